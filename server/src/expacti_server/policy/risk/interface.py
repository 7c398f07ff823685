"""The risk plugin interface: what a rule is given and what it returns.

A rule is any object with an ``id``, a ``weight`` and an ``evaluate`` method
(``RiskRule``); nothing needs to be subclassed. See docs/RISK.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from expacti_server.policy.shell import ParsedCommand
from expacti_server.policy.working_hours import WorkingHours

__all__ = [
    "EMPTY_HISTORY",
    "AgentHistory",
    "RiskContext",
    "RiskFinding",
    "RiskRule",
    "RiskRuleError",
]


class RiskRuleError(ValueError):
    """A risk rule is unusable: a bad id or weight, a duplicate id, or an invalid finding."""


@dataclass(frozen=True, slots=True)
class RiskFinding:
    """One reason a command is risky, from one rule."""

    rule_id: str  # the id of the rule that found it
    score: int  # 0..100, at most the rule's weight
    reason: str  # one human sentence, shown to reviewers
    # True when the rule raised (or returned nonsense) instead of answering: the
    # finding then carries the rule's weight, so a broken rule fails closed.
    failed: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.score, bool) or not isinstance(self.score, int):
            raise TypeError(f"risk score must be an int, got {self.score!r} from {self.rule_id!r}")
        if not 0 <= self.score <= 100:
            raise ValueError(f"risk score must be 0..100, got {self.score} from {self.rule_id!r}")


class AgentHistory(Protocol):
    """What is known about one agent's past submissions (see ``policy.activity``)."""

    @property
    def known(self) -> bool:
        """False when there is no history to compare with: a new agent, or none supplied."""
        ...

    @property
    def command_count(self) -> int:
        """How many past commands the history holds (may be capped by the tracker)."""
        ...

    def seen_program(self, name: str) -> bool:
        """Whether the agent has run ``name`` (a program's base name) before."""
        ...

    def seen_target(self, target: str) -> bool:
        """Whether the agent has submitted a command for ``target`` before."""
        ...

    def recent_count(self, window_seconds: float) -> int:
        """Past submissions in the last ``window_seconds``, not counting the current one."""
        ...

    def baseline_per_minute(self) -> float:
        """The agent's usual submissions per minute (0.0 when unknown)."""
        ...


class _EmptyHistory:
    """No history at all: nothing has been seen, nothing is recent."""

    __slots__ = ()

    @property
    def known(self) -> bool:
        return False

    @property
    def command_count(self) -> int:
        return 0

    def seen_program(self, name: str) -> bool:
        return False

    def seen_target(self, target: str) -> bool:
        return False

    def recent_count(self, window_seconds: float) -> int:
        return 0

    def baseline_per_minute(self) -> float:
        return 0.0

    def __repr__(self) -> str:
        return "EMPTY_HISTORY"


EMPTY_HISTORY: AgentHistory = _EmptyHistory()


@dataclass(frozen=True, slots=True)
class RiskContext:
    """What a rule may know besides the command text.

    Rules that are not ``contextual`` are cached per command text: they see a
    context whose ``agent_id``, ``target`` and ``working_hours`` are None and
    whose ``history`` is empty, so only ``egress_allow_list`` (part of the cache
    key) means anything to them (see docs/RISK.md).
    """

    agent_id: str | None
    target: str | None
    now: datetime  # aware, UTC
    # None when the organisation has set no working hours: then nothing is "off hours".
    working_hours: WorkingHours | None
    # Hosts data may be sent to: exact names, or suffixes starting with "." (".corp.example").
    egress_allow_list: tuple[str, ...] = ()
    history: AgentHistory = field(default=EMPTY_HISTORY)

    def __post_init__(self) -> None:
        if self.now.utcoffset() != timedelta(0):
            raise ValueError(f"RiskContext.now must be an aware UTC datetime, got {self.now!r}")
        if not isinstance(self.egress_allow_list, tuple):
            # Callers pass lists from settings; a tuple keeps the context hashable.
            object.__setattr__(self, "egress_allow_list", tuple(self.egress_allow_list))


class RiskRule(Protocol):
    """A risk plugin.

    ``id`` is a stable snake_case name (shown as a badge and kept in the
    database); ``weight`` (1..100) is the most the rule can add: every finding
    it returns scores at most ``weight``. A rule may also set a class attribute
    ``contextual = True`` when it reads ``context.history``, ``context.now``,
    ``context.target`` or ``context.working_hours``; without it the rule is
    evaluated once per command text and its finding cached.
    """

    id: str
    weight: int

    def evaluate(self, command: ParsedCommand, context: RiskContext) -> RiskFinding | None: ...
