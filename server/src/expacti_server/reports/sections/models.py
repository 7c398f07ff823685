"""The evidence sections of a report, as they appear under ``sections`` in its JSON."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from expacti_server.audit.views import ChainBreakView
from expacti_server.reports import stats

T = TypeVar("T")

LIST_LIMIT = 200
"""Listed items per list (the newest); ``total`` always counts them all."""


class Listing(BaseModel, Generic[T]):
    """Up to ``LIST_LIMIT`` items, and how many there are in all."""

    total: int
    items: list[T]

    @property
    def truncated(self) -> bool:
        """Whether some items were left out."""
        return self.total > len(self.items)


class Outcomes(BaseModel):
    """Commands by how they ended. ``denied`` includes ``denied_by_system`` (e.g. a
    multi-party vote that could no longer succeed)."""

    # Every field is always sent: generated clients get required fields.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    approved_by_reviewer: int = 0
    whitelisted: int = 0
    denied: int = 0
    denied_by_system: int = 0
    timed_out: int = 0
    cancelled: int = 0
    pending: int = 0

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> Outcomes:
        """From counts per category (``stats.CATEGORIES``)."""
        c = stats.fill(counts, stats.CATEGORIES)
        return cls(
            approved_by_reviewer=c[stats.APPROVED_BY_REVIEWER],
            whitelisted=c[stats.WHITELISTED],
            denied=c[stats.DENIED_BY_REVIEWER] + c[stats.DENIED_BY_SYSTEM],
            denied_by_system=c[stats.DENIED_BY_SYSTEM],
            timed_out=c[stats.TIMED_OUT],
            cancelled=c[stats.CANCELLED],
            pending=c[stats.PENDING],
        )

    @property
    def total(self) -> int:
        """Every command counted."""
        return (
            self.approved_by_reviewer
            + self.whitelisted
            + self.denied
            + self.timed_out
            + self.cancelled
            + self.pending
        )

    @property
    def human_decisions(self) -> int:
        """Approvals and denials a reviewer made."""
        return self.approved_by_reviewer + self.denied - self.denied_by_system


# ------------------------------------------------------------------ access


class RoleCounts(BaseModel):
    """Reviewers per role, now."""

    admin: int
    senior: int
    reviewer: int
    auditor: int


class ReviewerEntry(BaseModel):
    """One reviewer, now."""

    id: str
    name: str
    role: str
    decides: bool
    active_credentials: int


class AgentEntry(BaseModel):
    """One agent and the reviewer answerable for it (who may not approve its commands)."""

    id: str
    name: str
    owner: str | None


class CredentialCounts(BaseModel):
    """Credentials: active now by kind, and issued and revoked in the range."""

    reviewer_tokens: int
    api_keys: int
    agent_tokens: int
    issued_in_range: int
    revoked_in_range: int


class AccessSection(BaseModel):
    """Who can approve: reviewers by role, admins, auditors; agents and their owners."""

    as_of: datetime = Field(description="Roles and credentials are as they are now.")
    reviewers_by_role: RoleCounts
    deciding_reviewers: int
    admins: list[str]
    auditors: list[str]
    reviewers: Listing[ReviewerEntry]
    agents: Listing[AgentEntry]
    agents_with_owner: int
    credentials: CredentialCounts
    notes: list[str]


class AuthenticationSection(BaseModel):
    """How reviewers authenticate, and what is not enforced."""

    mfa_enforced: bool
    mfa: str
    methods: list[str]
    secret_storage: str
    session_ttl_seconds: int
    sign_ins: int
    notes: list[str]


# ------------------------------------------------------------------ decisions


class DecisionCounts(Outcomes):
    """Commands submitted in the range by how they ended."""

    submitted: int = 0


class LatencyStats(BaseModel):
    """Review latency of human decisions (submission to decision)."""

    decisions: int
    median_ms: float | None
    p95_ms: float | None
    max_ms: float | None
    method: str


class HistogramBucket(BaseModel):
    """Human decisions whose latency is in ``[lower_ms, upper_ms)``."""

    label: str
    lower_ms: float
    upper_ms: float | None
    count: int


class DayCounts(Outcomes):
    """Commands submitted on one UTC day, by how they ended."""

    day: date


class RiskBandCounts(Outcomes):
    """Commands whose risk score is in one band, by how they ended."""

    band: str
    min_score: int
    max_score: int
    commands: int


class ReviewerDecisions(BaseModel):
    """Decisions one reviewer made last (the deciding vote)."""

    reviewer: str
    approved: int
    denied: int


class DecisionsSection(BaseModel):
    """Approvals and denials of commands submitted in the range."""

    counts: DecisionCounts
    human_decisions: int
    latency: LatencyStats
    latency_histogram: list[HistogramBucket]
    per_day: list[DayCounts]
    risk_mix: list[RiskBandCounts]
    edited: int = Field(description="Approved after a reviewer edited the command.")
    escalated: int
    by_reviewer: Listing[ReviewerDecisions]


# ------------------------------------------------------------------ changes


class ChangeEvent(BaseModel):
    """One audit record of a change."""

    at: datetime
    action: str
    actor: str | None
    actor_type: str
    rule_id: str | None
    command_id: str | None
    detail: str


class ActorCount(BaseModel):
    """How many changes one actor made."""

    actor: str | None
    actor_type: str
    changes: int


class WhitelistSection(BaseModel):
    """Whitelist changes, who made or approved them, and what the whitelist approved."""

    by_action: dict[str, int]
    total_changes: int
    by_actor: list[ActorCount]
    events: Listing[ChangeEvent]
    rules_active: int = Field(description="Rules that match now (not expired).")
    auto_approvals: int = Field(description="Commands in the range approved by a rule.")
    notes: list[str]


class PolicyEntry(BaseModel):
    """An approval policy as it is now."""

    id: str
    name: str
    priority: int
    min_role: str
    required: int
    mode: str
    target_scope: str | None
    min_risk: int | None
    command_pattern: str | None


class RoutingView(BaseModel):
    """The org's default routing and timeout, now."""

    senior_risk_threshold: int
    high_risk_routing: bool
    timeout_seconds: int
    timeout_action: str


class ChangesSection(BaseModel):
    """Approval policy, role, owner and organisation policy changes."""

    by_action: dict[str, int]
    total: int
    events: Listing[ChangeEvent]
    policies: list[PolicyEntry]
    routing: RoutingView


# ------------------------------------------------------------------ anomalies


class AnomalyRule(Outcomes):
    """One risk rule: how often it fired, and how its commands ended."""

    rule_id: str
    events: int
    commands: int
    max_score: int
    failed: int


class AnomaliesSection(BaseModel):
    """Anomaly events in the range, joined to the final decision of their command."""

    events: int
    commands: int
    rule_failures: int
    high_risk_commands: int
    handling: Outcomes
    by_rule: list[AnomalyRule]


# ------------------------------------------------------------------ multi-party


class MultiPartyCommand(BaseModel):
    """A command whose requirement needed more than one approver."""

    command_id: str
    agent: str
    submitted_at: datetime
    outcome: str
    required: int
    mode: str
    policy_id: str | None
    approvers: list[str]
    deniers: list[str]


class MultiPartySection(BaseModel):
    """Commands that needed more than one approver, and the policies that ask for it."""

    policies: list[PolicyEntry]
    commands: int
    outcomes: Outcomes
    approvals: int = Field(description="Approving votes on the listed commands.")
    items: Listing[MultiPartyCommand]


# ------------------------------------------------------------------ audit chain


class AuditChainSection(BaseModel):
    """The hash chain over the org's whole audit log, verified when the report was made."""

    ok: bool
    records: int
    head_seq: int
    head_hash: str | None
    first_break: ChainBreakView | None
    verified_at: datetime
    events_in_range: int
    scope: str
