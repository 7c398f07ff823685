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

    @classmethod
    def from_row(cls, row: RowMapping | dict[str, Any]) -> CommandRecord:
        """Build from a commands-table row mapping."""
        return cls(**{name: row[name] for name in cls.__slots__})

    @property
    def is_pending(self) -> bool:
        """Still waiting for a decision."""
        return self.status == Status.PENDING

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
        )
