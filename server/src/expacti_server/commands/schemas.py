"""API shapes of commands and decisions (the HTTP binding of the wire protocol)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from expacti_server.approvals.audience import requirement_of
from expacti_server.audit.views import AuditEventView
from expacti_server.commands.record import CommandRecord, DecisionView
from expacti_server.encryption.schemas import EncryptedEnvelope
from expacti_server.policy.patterns import RuleType
from expacti_server.policy.suggestions import suggest
from expacti_server.whitelist.schemas import WhitelistRuleSpec

DecisionState = Literal["approved", "denied", "timed_out", "cancelled"]
CommandState = Literal["pending", "approved", "denied", "timed_out", "cancelled"]


class CommandSubmit(BaseModel):
    """The submit frame's fields, as an HTTP body. Unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    request_id: StrictStr = Field(description="Idempotency key, unique per agent.")
    command: StrictStr = Field(description="The command line to approve.")
    target: StrictStr | None = Field(default=None, description="Host, cluster or environment.")
    session: dict[str, Any] | None = Field(default=None, description="What the agent works on.")
    context: dict[str, Any] | None = Field(default=None, description="Free-form JSON.")
    timeout_seconds: StrictInt | None = Field(default=None, description="1-600 seconds.")
    encrypted: EncryptedEnvelope | None = Field(
        default=None,
        description="End-to-end encrypted command; `command` is then a label of at most "
        "200 characters that the server shows and stores (docs/ENCRYPTION.md).",
    )


class Decision(BaseModel):
    """Exactly the decision frame's fields."""

    request_id: str
    command_id: str
    approved: bool
    decision: DecisionState
    latency_ms: float
    reviewer: str | None
    notes: str | None
    whitelisted: bool
    rule_id: str | None
    risk_score: int
    anomalies: list[str]
    command: str = Field(
        description="The command to run: the submitted text, or a reviewer's edit of it."
    )
    edited: bool = Field(description="A reviewer edited the command before approving it.")
    approvers: list[str] = Field(description="Who approved, in order (empty unless approved).")

    @classmethod
    def of(cls, view: DecisionView) -> Decision:
        """From the service's decision view."""
        return cls.model_validate(view, from_attributes=True)


class AgentRef(BaseModel):
    """The agent that submitted a command."""

    id: str
    name: str


class AgentSessionView(BaseModel):
    """What the agent said it is working on (validated on submit; extra keys kept)."""

    # Always serialized, so the response schema lists every field as required
    # (the defaults only apply when validating what the agent sent).
    model_config = ConfigDict(extra="allow", json_schema_serialization_defaults_required=True)

    id: str
    goal: str | None = None
    steps: list[str] | None = None
    current_step: int | None = Field(
        default=None, description="Index into steps of the step being worked on."
    )


class RequirementView(BaseModel):
    """Who may decide a command and how many must approve (docs/ROUTING.md)."""

    min_role: Literal["reviewer", "senior", "admin"]
    required: int
    mode: Literal["AllOf", "AnyOf"]
    reason: str
    policy_id: str | None


class VoteView(BaseModel):
    """One reviewer's vote on a command."""

    reviewer: str
    role: str
    vote: Literal["approve", "deny"]
    at: datetime
    note: str | None


class RuleSuggestionView(BaseModel):
    """A whitelist rule offered for a pending command."""

    type: RuleType
    pattern: str
    scope: str
    reason: str


class CommandView(BaseModel):
    """A command, its risk assessment and, once made, its decision."""

    # Every field is always sent, `encrypted` as null when the command is plain:
    # the schema says so, so that generated clients get a required field.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    id: str
    request_id: str
    command: str
    parts: list[str] = Field(description="The simple commands the shell grammar found.")
    target: str | None
    session: AgentSessionView | None
    context: dict[str, Any] | None
    agent: AgentRef
    status: CommandState
    risk_score: int
    anomalies: list[str]
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    whitelisted: bool
    rule_id: str | None
    reviewer: str | None
    notes: str | None
    latency_ms: float | None
    decision: Decision | None
    suggestions: list[RuleSuggestionView] = Field(
        description="Whitelist rules offered to the reviewer; empty once decided."
    )
    encrypted: EncryptedEnvelope | None = Field(
        default=None,
        description="Set when the command is end-to-end encrypted: `command` is only the "
        "agent's label and the text is in this envelope, readable by the listed reviewer keys.",
    )
    requirement: RequirementView = Field(description="Who may decide it, and how many.")
    votes: list[VoteView] = Field(description="Reviewers' votes so far, oldest first.")
    approvals: int = Field(description="Approvals so far.")
    escalated_at: datetime | None = Field(
        description="When the command was escalated to the next tier, if it was."
    )
    edited: bool = Field(description="A reviewer edited the command.")
    approved_command: str | None = Field(
        description="The edited text under review (and, once approved, the one that runs)."
    )
    session_id: str | None = Field(description="The stored session (GET /api/v1/sessions/{id}).")
    recording_id: str | None = Field(
        default=None,
        description="The recording its run is in (GET /api/v1/recordings/{id}), once it ran.",
    )

    @classmethod
    def of(cls, record: CommandRecord) -> CommandView:
        """From the service's record."""
        decision = record.decision()
        suggestions = (
            [
                RuleSuggestionView(type=s.type, pattern=s.pattern, scope=s.scope, reason=s.reason)
                for s in suggest(
                    record.command_to_run,
                    record.parts,
                    target=record.target,
                    risk_score=record.risk_score,
                )
            ]
            if record.is_pending and record.encrypted is None
            else []
        )
        return cls(
            id=record.id,
            request_id=record.request_id,
            command=record.command,
            parts=record.parts,
            target=record.target,
            session=AgentSessionView.model_validate(record.session) if record.session else None,
            context=record.context,
            agent=AgentRef(id=record.agent_id, name=record.agent_name),
            status=record.status,
            risk_score=record.risk_score,
            anomalies=record.anomalies,
            created_at=record.created_at,
            expires_at=record.expires_at,
            decided_at=record.decided_at,
            whitelisted=record.whitelisted,
            rule_id=record.rule_id,
            reviewer=record.reviewer_name,
            notes=record.notes,
            latency_ms=record.latency_ms,
            decision=Decision.of(decision) if decision else None,
            suggestions=suggestions,
            encrypted=(
                None
                if record.encrypted is None
                else EncryptedEnvelope.model_validate(record.encrypted)
            ),
            requirement=RequirementView.model_validate(requirement_of(record).as_json()),
            votes=[VoteView.model_validate(vote) for vote in record.votes],
            approvals=len(record.approvers),
            escalated_at=record.escalated_at,
            edited=record.edited,
            approved_command=record.approved_command,
            session_id=record.session_id,
        )


class CommandList(BaseModel):
    """A page of commands, newest first."""

    items: list[CommandView]
    next_before: str | None = Field(description="Pass as ?before= for the next page.")


class CommandTrail(BaseModel):
    """The audit events of one command, oldest first, and how long its decision took."""

    items: list[AuditEventView]
    latency_ms: float | None


class ApproveBody(BaseModel):
    """An approval, optionally adding a whitelist rule in the same step."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = None
    whitelist: WhitelistRuleSpec | None = Field(
        default=None, description="Also whitelist; pattern defaults to the command text."
    )
    confirm_denied_matches: bool = Field(
        default=False,
        description="Save the rule even though it would have matched commands that were denied.",
    )
    command: StrictStr | None = Field(
        default=None,
        description="Approve this edited text instead; the agent receives it in the "
        "decision (`edited: true`) and runs it, never the original.",
    )


class DenyBody(BaseModel):
    """A denial."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = None


class CancelBody(BaseModel):
    """An agent withdrawing its command."""

    model_config = ConfigDict(extra="forbid")

    reason: str | None = None
