"""The table of whitelist rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from expacti_server.db.base import Base, UTCDateTime


class WhitelistRule(Base):
    """A pattern whose matching commands are approved without a human."""

    __tablename__ = "whitelist_rules"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), index=True)
    pattern: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(8))  # exact | glob | regex
    scope: Mapped[str] = mapped_column(String(300))  # global | group:NAME | target:NAME
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[str | None] = mapped_column(String(40))
    created_by_name: Mapped[str | None] = mapped_column(String(200))
    created_from_command_id: Mapped[str | None] = mapped_column(String(40))
    hit_count: Mapped[int] = mapped_column(default=0)
    last_hit_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
