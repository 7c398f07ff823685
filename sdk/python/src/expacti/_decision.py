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
    command run. ``command`` is the command to run: the text the agent asked for
    (``original_command``), unless a reviewer edited it before approving (``edited``),
    then the edited text; never run ``original_command`` after an edit. ``approvers``
    names the reviewers who approved, in order (empty when whitelisted or not approved).
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
    edited: bool = False
    approvers: tuple[str, ...] = ()
    original_command: str = ""
    """What the agent asked for; left out, it is ``command`` (nothing was edited)."""

    def __post_init__(self) -> None:
        if not self.original_command:
            object.__setattr__(self, "original_command", self.command)
