"""Who is making a request, once their credential has been checked."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from expacti_server.audit.actor import Actor


class Role(StrEnum):
    """The two roles; they never overlap."""

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

    @property
    def actor(self) -> Actor:
        """How this principal appears in the audit log."""
        return Actor(type=self.role.value, id=self.id, name=self.name)
