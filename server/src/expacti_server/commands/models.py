"""The table of commands and their decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from expacti_server.db.base import Base, UTCDateTime


class Command(Base):
    """One command an agent asked to run, and its final decision once made."""

    __tablename__ = "commands"
    __table_args__ = (
        UniqueConstraint("agent_id", "request_id"),
        Index("ix_commands_org_status_created", "org_id", "status", "created_at"),
        # Partial: only pending rows, so decided (e.g. whitelisted) inserts never touch it.
        Index(
            "ix_commands_pending_expires",
            "expires_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"))
    agent_name: Mapped[str] = mapped_column(String(200))
    request_id: Mapped[str] = mapped_column(String(128))
    command: Mapped[str] = mapped_column(Text)
    parts: Mapped[list[str]]
    target: Mapped[str | None] = mapped_column(String(255))
    session: Mapped[dict[str, Any] | None]
    context: Mapped[dict[str, Any] | None]
    origin: Mapped[str] = mapped_column(String(8))  # ws | http
    status: Mapped[str] = mapped_column(String(16))
    risk_score: Mapped[int]
    anomalies: Mapped[list[str]]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewer_id: Mapped[str | None] = mapped_column(String(40))
    reviewer_name: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    whitelisted: Mapped[bool] = mapped_column(Boolean, default=False)
    rule_id: Mapped[str | None] = mapped_column(String(40))
    latency_ms: Mapped[float | None] = mapped_column(Float)
    # The end-to-end encrypted command (encryption/envelope.py); ``command`` then holds
    # only the label the agent chose, and the server never sees the text.
    encrypted: Mapped[dict[str, Any] | None]
    # The agent session this command belongs to (agent_sessions), if any.
    session_id: Mapped[str | None] = mapped_column(String(40), index=True)
    # Who must approve, resolved at submission: {"policy_id", "name", "roles",
    # "required", "mode"}. Stored so a later policy change never alters a waiting command.
    requirement: Mapped[dict[str, Any] | None]
    # Approvals so far, in order: [{"reviewer_id", "reviewer", "role", "at", "note"}].
    approvals: Mapped[list[dict[str, Any]] | None]
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The text a reviewer approved when they edited it; the agent runs this one.
    approved_command: Mapped[str | None] = mapped_column(Text)
