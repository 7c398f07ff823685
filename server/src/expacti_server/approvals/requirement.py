"""Resolving who must approve a command: the first matching policy, else the default routing.

Pure and synchronous: it runs on the submit path with the org's compiled
policies, which the policy service keeps in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from expacti_server.identity.roles import ReviewerRole
from expacti_server.policy.patterns import CompiledPattern
from expacti_server.policy.shell import ParsedCommand
from expacti_server.policy.whitelist_index import Scope

DEFAULT_SENIOR_RISK = 70


class Mode(StrEnum):
    """How votes combine. AllOf: any deny ends the command denied. AnyOf: a deny is one
    vote against; the command is denied only once the approvals it needs can no longer come."""

    ALL_OF = "AllOf"
    ANY_OF = "AnyOf"


@dataclass(frozen=True, slots=True)
class Requirement:
    """Who may decide a command and how many distinct approvals it needs."""

    min_role: ReviewerRole
    required: int
    mode: Mode
    reason: str  # one sentence a reviewer and an agent can read
    policy_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        """As stored on the command and shown in its views."""
        return {
            "min_role": self.min_role.value,
            "required": self.required,
            "mode": self.mode.value,
            "reason": self.reason,
            "policy_id": self.policy_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None, *, risk_score: int) -> Requirement:
        """The stored requirement; commands stored before policies existed get the default."""
        if not data:
            return default_requirement(risk_score, DEFAULT_SENIOR_RISK)
        return cls(
            min_role=ReviewerRole(data["min_role"]),
            required=int(data["required"]),
            mode=Mode(data["mode"]),
            reason=str(data.get("reason") or ""),
            policy_id=data.get("policy_id"),
        )

    @property
    def routine(self) -> bool:
        """One approval by any reviewer: the only kind a whitelist rule may stand in for."""
        return self.required == 1 and self.min_role is ReviewerRole.REVIEWER

    def stricter(self, other: Requirement) -> Requirement:
        """The requirement satisfying both (for an edit, which may never loosen one)."""
        if (
            other.min_role.rank <= self.min_role.rank
            and other.required <= self.required
            and (other.mode is self.mode or self.mode is Mode.ALL_OF)
        ):
            return self
        return Requirement(
            min_role=max(self.min_role, other.min_role, key=lambda role: role.rank),
            required=max(self.required, other.required),
            mode=Mode.ALL_OF if Mode.ALL_OF in (self.mode, other.mode) else Mode.ANY_OF,
            reason=f"{self.reason}; after the edit: {other.reason}",
            policy_id=other.policy_id or self.policy_id,
        )

    def admits(self, role: ReviewerRole | None) -> bool:
        """Whether a reviewer with ``role`` may decide under this requirement."""
        return role is not None and role.at_least(self.min_role)


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    """An approval policy ready to match commands."""

    id: str
    name: str
    priority: int
    scope: Scope | None
    min_risk: int | None
    pattern: CompiledPattern | None
    min_role: ReviewerRole
    required: int
    mode: Mode

    def matches(
        self,
        parsed: ParsedCommand,
        *,
        target: str | None,
        target_groups: frozenset[str],
        risk_score: int,
        unknown_text: bool = False,
    ) -> bool:
        """Whether every match field holds. A pattern matches the whole text or any part:
        a policy only ever adds reviewers, so the broader reading is the safe one. When the
        text is unknown (end-to-end encrypted), a pattern is assumed to match, for the same
        reason."""
        if self.scope is not None and not self.scope.applies_to(target, target_groups):
            return False
        if self.min_risk is not None and risk_score < self.min_risk:
            return False
        if self.pattern is not None and not unknown_text:
            texts = (parsed.text, *parsed.parts)
            return any(self.pattern.matches(text) for text in texts)
        return True

    def requirement(self) -> Requirement:
        """The requirement this policy sets."""
        approvals = "1 approval" if self.required == 1 else f"{self.required} approvals"
        return Requirement(
            min_role=self.min_role,
            required=self.required,
            mode=self.mode,
            reason=f"policy {self.name!r}: {approvals} ({self.mode}) by {self.min_role} or above",
            policy_id=self.id,
        )


def default_requirement(risk_score: int, senior_risk_threshold: int) -> Requirement:
    """The org's routing when no policy matches: from the threshold up, a senior decides."""
    if risk_score >= senior_risk_threshold:
        return Requirement(
            ReviewerRole.SENIOR,
            1,
            Mode.ALL_OF,
            f"risk {risk_score} ≥ {senior_risk_threshold} needs a senior",
        )
    return Requirement(ReviewerRole.REVIEWER, 1, Mode.ALL_OF, "default routing")


def resolve(
    policies: Sequence[CompiledPolicy],
    parsed: ParsedCommand,
    *,
    target: str | None,
    target_groups: frozenset[str],
    risk_score: int,
    senior_risk_threshold: int,
    unknown_text: bool = False,
) -> Requirement:
    """The first matching policy (``policies`` in priority order), else the default."""
    for policy in policies:
        if policy.matches(
            parsed,
            target=target,
            target_groups=target_groups,
            risk_score=risk_score,
            unknown_text=unknown_text,
        ):
            return policy.requirement()
    return default_requirement(risk_score, senior_risk_threshold)
