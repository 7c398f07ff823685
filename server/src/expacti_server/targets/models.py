"""The table of target groups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from expacti_server.db.base import Base, UTCDateTime


class TargetGroup(Base):
    """A named set of targets, e.g. ``web`` = web-1, web-2."""

    __tablename__ = "target_groups"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    targets: Mapped[list[str]]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
