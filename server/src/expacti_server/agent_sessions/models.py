"""The table of agent sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from expacti_server.db.base import Base, UTCDateTime


class AgentSession(Base):
    """A goal an agent works towards, its steps, and where it is."""

    __tablename__ = "agent_sessions"
    __table_args__ = (
        UniqueConstraint("agent_id", "client_id"),
        Index("ix_agent_sessions_org_updated", "org_id", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"))
    agent_name: Mapped[str] = mapped_column(String(200))
    client_id: Mapped[str] = mapped_column(String(128))  # the id the agent chose
    goal: Mapped[str | None] = mapped_column(Text)
    steps: Mapped[list[str]]
    current_step: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16))  # active | completed | failed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
