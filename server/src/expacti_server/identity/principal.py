"""Who is making a request, once their credential has been checked."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from expacti_server.audit.actor import Actor
from expacti_server.identity.roles import ReviewerRole


class Role(StrEnum):
    """The two kinds of principal; they never overlap. Reviewers also have a ReviewerRole."""

    AGENT = "agent"
    REVIEWER = "reviewer"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated agent or reviewer."""

    role: Role
    org_id: str
    org_name: str
    id: str
    name: str
    credential_id: str
    credential_kind: str
    reviewer_role: ReviewerRole | None = None  # None for agents

    @property
    def may_decide(self) -> bool:
        """A reviewer whose role lets them approve or deny (not an auditor)."""
        return self.reviewer_role is not None and self.reviewer_role.decides

    @property
    def is_admin(self) -> bool:
        """A reviewer who may change the organisation's policy."""
        return self.reviewer_role is ReviewerRole.ADMIN

    @property
    def actor(self) -> Actor:
        """How this principal appears in the audit log."""
        return Actor(type=self.role.value, id=self.id, name=self.name)
