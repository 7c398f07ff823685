"""The table of approval policies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from expacti_server.db.base import Base, UTCDateTime


class ApprovalPolicy(Base):
    """Who may decide matching commands, and how many approvals they need.

    Policies are tried in ``priority`` order (lowest first); the first whose
    match fields all hold applies. With none, the org's default routing does.
    """

    __tablename__ = "approval_policies"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(default=100)
    # Match fields; None matches anything.
    target_scope: Mapped[str | None] = mapped_column(String(300))  # target:NAME | group:NAME
    min_risk: Mapped[int | None]
    command_pattern: Mapped[str | None] = mapped_column(Text)
    command_pattern_type: Mapped[str | None] = mapped_column(String(8))  # glob | regex
    # Requirement.
    # The least senior role that may decide: reviewer < senior < admin.
    min_role: Mapped[str] = mapped_column(String(16), default="reviewer")
    require_n_approvers: Mapped[int] = mapped_column(default=1)
    mode: Mapped[str] = mapped_column(String(8), default="AllOf")  # AllOf | AnyOf
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_name: Mapped[str | None] = mapped_column(String(200))
