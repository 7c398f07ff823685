"""The append-only table of audit events (triggers in the migration forbid UPDATE/DELETE)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from expacti_server.db.base import Base, UTCDateTime


class AuditEvent(Base):
    """One thing that happened: a submission, a decision, a rule change, a credential use."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_org_at", "org_id", "at"),
        Index("ix_audit_events_command", "command_id"),
    )

    # BigInteger on PostgreSQL, INTEGER PRIMARY KEY (rowid) on SQLite.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    org_id: Mapped[str | None] = mapped_column(String(40))
    actor_type: Mapped[str] = mapped_column(String(16))  # agent | reviewer | system | anonymous
    actor_id: Mapped[str | None] = mapped_column(String(40))
    actor_name: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    command_id: Mapped[str | None] = mapped_column(String(40))
    rule_id: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict[str, Any]]
