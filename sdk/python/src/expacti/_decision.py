"""The final word on a command, as ``run()`` returns it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

__all__ = ["Decision", "DecisionState"]

DecisionState: TypeAlias = Literal["approved", "denied", "timed_out", "cancelled"]


@dataclass(frozen=True, slots=True)
class Decision:
    """A command's final decision: the server's ``decision`` frame plus what was asked.

    ``approved`` is true only when ``decision`` is ``"approved"``; only then may the
    command run.
    """

    approved: bool
    decision: DecisionState
    command_id: str
    latency_ms: float
    reviewer: str | None
    notes: str | None
    whitelisted: bool
    rule_id: str | None
    risk_score: int
    anomalies: tuple[str, ...]
    request_id: str
    command: str
