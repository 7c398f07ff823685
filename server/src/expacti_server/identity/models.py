"""Tables of organisations, agents, reviewers and credentials."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from expacti_server.db.base import Base, UTCDateTime, utcnow


class Org(Base):
    """An organisation: the unit that owns agents, reviewers, rules and commands."""

    __tablename__ = "orgs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timeout_seconds: Mapped[int] = mapped_column(default=60)
    # What a timeout does: "deny" at once, or "escalate" (tell the next tier, extend once).
    timeout_action: Mapped[str] = mapped_column(String(16), default="deny", server_default="deny")
    # From this risk score up only seniors and admins may decide (101 turns it off).
    senior_risk_threshold: Mapped[int] = mapped_column(default=70, server_default="70")
    # {"timezone": "Europe/Berlin", "days": [1..5], "start": "09:00", "end": "18:00"} or None.
    working_hours: Mapped[dict[str, Any] | None]
    # Hosts data may be sent to without the exfiltration rule firing.
    egress_allow_list: Mapped[list[str] | None]
    # Whether what is typed into a recorded terminal is recorded too (it may hold secrets).
    record_input: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Recordings older than this many days are deleted; None keeps them.
    recording_retention_days: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Agent(Base):
    """Something that submits commands: an AI agent, a CI job, a script."""

    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # The reviewer answerable for this agent: separation of duties keeps them from
    # approving its commands.
    owner_reviewer_id: Mapped[str | None] = mapped_column(ForeignKey("reviewers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Reviewer(Base):
    """A human who approves or denies commands."""

    __tablename__ = "reviewers"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="reviewer", server_default="reviewer")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Credential(Base):
    """A secret that authenticates an agent or a reviewer, stored only as a hash."""

    __tablename__ = "credentials"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # agent_token | reviewer_token | api_key
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"))
    reviewer_id: Mapped[str | None] = mapped_column(ForeignKey("reviewers.id"))
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReviewerSession(Base):
    """A browser sign-in: a random cookie secret, stored hashed, tied to the credential used.

    Revoking the credential ends every session made with it; the cookie never
    carries the credential itself.
    """

    __tablename__ = "reviewer_sessions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), index=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
