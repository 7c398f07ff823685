"""API shapes of rule suggestions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from expacti_server.policy.patterns import RuleType
from expacti_server.suggestions.models import RuleSuggestion
from expacti_server.whitelist.schemas import MAX_TTL_SECONDS


class SuggestionStatus(StrEnum):
    """Where a suggestion stands; every state but ``open`` is final."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"
    WITHDRAWN = "withdrawn"  # a denied or high-risk command came to match it


class SuggestionFilter(StrEnum):
    """Which suggestions to list."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"
    WITHDRAWN = "withdrawn"
    ALL = "all"


class SuggestionEvidence(BaseModel):
    """Why the rule is suggested: what reviewers did, and what the rule would have done."""

    approved: int = Field(description="Manual approvals of the commands it was learnt from.")
    denied: int = Field(description="Denied commands it would have approved (0 when offered).")
    distinct_commands: int = Field(description="Distinct commands it was learnt from.")
    would_auto_approve: int = Field(
        description="Past commands approved by hand that the rule would have approved."
    )
    matched: int = Field(description="Past commands the rule would have approved.")
    matched_denied: int = Field(description="Of them, denied (0 when offered).")
    matched_high_risk: int = Field(description="Of them, high-risk (0 when offered).")
    scanned: int = Field(description="Past commands replayed.")
    examples: list[str] = Field(description="Up to 5 commands it was learnt from, secrets masked.")
    last_approved_at: datetime | None
    reviewers: list[str] = Field(description="Who approved those commands.")


class SuggestionView(BaseModel):
    """A suggested whitelist rule and its evidence."""

    id: str
    pattern: str
    type: RuleType
    scope: str
    status: SuggestionStatus
    upgrade_of_rule_id: str | None = Field(
        description="The exact rule this pattern replaces; accepting expires it."
    )
    summary: str = Field(description="The evidence in one sentence.")
    evidence: SuggestionEvidence
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    rule_id: str | None = Field(description="The rule accepting it created.")

    @classmethod
    def of(cls, suggestion: RuleSuggestion) -> SuggestionView:
        """The API view of a stored suggestion."""
        evidence = SuggestionEvidence.model_validate(_with_defaults(suggestion.evidence))
        return cls(
            id=suggestion.id,
            pattern=suggestion.pattern,
            type=RuleType(suggestion.type),
            scope=suggestion.scope,
            status=SuggestionStatus(suggestion.status),
            upgrade_of_rule_id=suggestion.upgrade_of_rule_id,
            summary=_summary(evidence),
            evidence=evidence,
            created_at=suggestion.created_at,
            updated_at=suggestion.updated_at,
            decided_at=suggestion.decided_at,
            decided_by=suggestion.decided_by_name,
            rule_id=suggestion.rule_id,
        )


class SuggestionList(BaseModel):
    """Suggestions, newest first."""

    items: list[SuggestionView]


class SuggestionAccept(BaseModel):
    """How long the accepted rule lives."""

    model_config = ConfigDict(extra="forbid")

    ttl_seconds: int | None = Field(
        default=None, ge=1, le=MAX_TTL_SECONDS, description="Expire after this many seconds."
    )


_COUNTS = (
    "approved",
    "denied",
    "distinct_commands",
    "would_auto_approve",
    "matched",
    "matched_denied",
    "matched_high_risk",
    "scanned",
)


def _with_defaults(evidence: dict[str, Any]) -> dict[str, Any]:
    """Stored evidence, with what an older row lacks filled in."""
    filled: dict[str, Any] = dict.fromkeys(_COUNTS, 0)
    return {**filled, "examples": [], "last_approved_at": None, "reviewers": [], **evidence}


def _summary(evidence: SuggestionEvidence) -> str:
    return (
        f"approved {_times(evidence.approved)}, denied {evidence.denied}: would have "
        f"auto-approved {evidence.would_auto_approve} past "
        f"{'command' if evidence.would_auto_approve == 1 else 'commands'}; "
        f"would have matched {evidence.matched_denied} denied"
    )


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"
