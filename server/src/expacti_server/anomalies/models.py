"""The table of anomaly events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from expacti_server.db.base import Base, UTCDateTime


class AnomalyEvent(Base):
    """One risk rule firing (or failing) on one command."""

    __tablename__ = "anomaly_events"
    __table_args__ = (
        Index("ix_anomaly_events_org_at", "org_id", "at"),
        Index("ix_anomaly_events_command", "command_id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    command_id: Mapped[str] = mapped_column(String(40))
    agent_id: Mapped[str] = mapped_column(String(40))
    agent_name: Mapped[str] = mapped_column(String(200))
    rule_id: Mapped[str] = mapped_column(String(64))
    score: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
