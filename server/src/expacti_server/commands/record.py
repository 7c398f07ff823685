"""In-memory views of a command and of its decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping

from expacti_server.commands.status import Status


@dataclass(frozen=True, slots=True)
class DecisionView:
    """The fields every SDK exposes; identical over WebSocket and HTTP."""

    request_id: str
    command_id: str
    approved: bool
    decision: str
    latency_ms: float
    reviewer: str | None
    notes: str | None
    whitelisted: bool
    rule_id: str | None
    risk_score: int
    anomalies: list[str]
    command: str  # what the agent must run: the reviewer's edit, if they made one
    edited: bool
    approvers: list[str]


@dataclass(frozen=True, slots=True)
class ProgressView:
    """A pending command moved on without being decided: a partial approval, or an escalation."""

    request_id: str
    command_id: str
    approvals: int
    required: int
    approvers: list[str]
    escalated: bool
    expires_at: datetime


# What someone waiting on a command may hear: progress (any number of times), then the decision.
WaitEvent = DecisionView | ProgressView


@dataclass(frozen=True, slots=True)
class CommandRecord:
    """A row of the commands table."""

    id: str
    org_id: str
    agent_id: str
    agent_name: str
    request_id: str
    command: str
    parts: list[str]
    target: str | None
    session: dict[str, Any] | None
    context: dict[str, Any] | None
    origin: str
    status: str
    risk_score: int
    anomalies: list[str]
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    reviewer_id: str | None
    reviewer_name: str | None
    notes: str | None
    whitelisted: bool
    rule_id: str | None
    latency_ms: float | None
    encrypted: dict[str, Any] | None
    session_id: str | None = None
    requirement: dict[str, Any] | None = None
    approvals: list[dict[str, Any]] | None = None  # votes: approve or deny, in order
    escalated_at: datetime | None = None
    approved_command: str | None = None

    @classmethod
    def from_row(cls, row: RowMapping | dict[str, Any]) -> CommandRecord:
        """Build from a commands-table row mapping."""
        return cls(**{name: row[name] for name in cls.__slots__})

    @property
    def votes(self) -> list[dict[str, Any]]:
        """Reviewers' votes so far, oldest first."""
        return list(self.approvals or ())

    @property
    def approvers(self) -> list[str]:
        """Names of the reviewers who approved, in order."""
        return [vote["reviewer"] for vote in self.votes if vote["vote"] == "approve"]

    @property
    def edited(self) -> bool:
        """Whether a reviewer changed the command before approving it."""
        return self.approved_command is not None

    @property
    def command_to_run(self) -> str:
        """The text under review and, once approved, the one the agent runs."""
        return self.approved_command if self.approved_command is not None else self.command

    @property
    def is_pending(self) -> bool:
        """Still waiting for a decision."""
        return self.status == Status.PENDING

    def progress(self) -> ProgressView:
        """Where a pending command stands: approvals so far, and whether it was escalated."""
        required = int((self.requirement or {}).get("required", 1))
        return ProgressView(
            request_id=self.request_id,
            command_id=self.id,
            approvals=len(self.approvers),
            required=required,
            approvers=self.approvers,
            escalated=self.escalated_at is not None,
            expires_at=self.expires_at,
        )

    def decision(self) -> DecisionView | None:
        """The decision, or None while pending."""
        if self.is_pending:
            return None
        return DecisionView(
            request_id=self.request_id,
            command_id=self.id,
            approved=self.status == Status.APPROVED,
            decision=self.status,
            latency_ms=self.latency_ms or 0.0,
            reviewer=self.reviewer_name,
            notes=self.notes,
            whitelisted=self.whitelisted,
            rule_id=self.rule_id,
            risk_score=self.risk_score,
            anomalies=list(self.anomalies),
            command=self.command_to_run,
            edited=self.edited,
            approvers=self.approvers if self.status == Status.APPROVED else [],
        )
