"""The table of rule suggestions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from expacti_server.db.base import Base, UTCDateTime


class RuleSuggestion(Base):
    """A proposed whitelist rule, its evidence, and what reviewers did with it.

    ``fingerprint`` (pattern, type, scope) is unique per org, so a dismissed
    proposal is remembered and never offered again.
    """

    __tablename__ = "rule_suggestions"
    __table_args__ = (UniqueConstraint("org_id", "fingerprint"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    pattern: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(8))  # exact | glob | regex
    scope: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))  # open | accepted | dismissed | withdrawn
    upgrade_of_rule_id: Mapped[str | None] = mapped_column(String(40))
    evidence: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    rule_id: Mapped[str | None] = mapped_column(String(40))  # the rule accepting created
