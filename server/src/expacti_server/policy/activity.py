"""What each agent has done lately, kept in memory: the history the contextual risk rules read.

``AgentActivity`` answers the ``AgentHistory`` questions of ``policy.risk``
(has this agent run this program, used this target; how busy is it) without a
database query per submission. It is bounded: at most ``max_agents`` agents
(least recently active forgotten first), and per agent at most
``max_programs`` program names, ``max_targets`` targets (least recently used
forgotten first) and ``max_recent`` timestamps. With the defaults that is at
most about 4096 x (256 + 128 + 512) small entries.

Baseline. An agent's usual pace is an exponentially weighted average of its
submissions per minute, over the minutes in which it submitted anything
(``EWMA_ALPHA`` = 0.1, so roughly its last ten active minutes count). Idle
minutes are left out on purpose: an agent that works in short bursts every
hour has a baseline of its working pace, not of its hourly average, so its
own normal bursts do not look unusual. The minute in progress is left out
too, so a burst does not raise the bar it is measured against.

Not thread-safe: every method runs to completion without awaiting, so it is
safe to share on one event loop, not between threads.
"""

from __future__ import annotations

import bisect
import time
from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from expacti_server.policy.words import programs

if TYPE_CHECKING:  # policy.risk imports this module; a runtime import would be circular
    from expacti_server.policy.risk.interface import AgentHistory

__all__ = ["EWMA_ALPHA", "AgentActivity", "program_names"]

EWMA_ALPHA = 0.1
# A command with more programs than this is recorded by its first ones only.
_MAX_PROGRAMS_PER_COMMAND = 32


def program_names(parts: Iterable[str]) -> list[str]:
    """The programs a command's parts run, by base name, in order, without repeats.

    ``sudo -u app env X=1 /usr/bin/psql`` gives sudo, env, psql. This is what
    ``record`` and ``prime`` remember and what the ``novelty`` rule asks about.
    """
    names: dict[str, None] = {}
    for part in parts:
        for name in programs(part):
            if name and len(names) < _MAX_PROGRAMS_PER_COMMAND:
                names[name] = None
    return list(names)


class _AgentState:
    """One agent's remembered programs, targets and pace."""

    __slots__ = (
        "count",
        "minute",
        "minute_count",
        "primed",
        "programs",
        "rate",
        "rated",
        "recent",
        "targets",
    )

    def __init__(self, max_recent: int) -> None:
        self.programs: OrderedDict[str, None] = OrderedDict()
        self.targets: OrderedDict[str, None] = OrderedDict()
        self.count = 0
        self.recent: deque[float] = deque(maxlen=max_recent)  # ascending
        self.minute: int | None = None  # the minute in progress (epoch // 60)
        self.minute_count = 0
        self.rate = 0.0  # EWMA of counts in closed active minutes
        self.rated = False
        self.primed = False

    def remember(self, names: Iterable[str], target: str | None, limits: tuple[int, int]) -> None:
        for name in names:
            _touch(self.programs, name, limits[0])
        if target is not None:
            _touch(self.targets, target, limits[1])

    def tick(self, at: float) -> None:
        """Count one submission at ``at`` (epoch seconds) towards the pace."""
        minute = int(at // 60)
        if self.minute is None:
            self.minute, self.minute_count = minute, 1
        elif minute > self.minute:
            self.rate = self.baseline(minute)
            self.rated = True
            self.minute, self.minute_count = minute, 1
        else:  # the same minute, or a little late: count it in the open minute
            self.minute_count += 1
        if not self.recent or at >= self.recent[-1]:
            self.recent.append(at)
        else:
            if len(self.recent) == self.recent.maxlen:
                self.recent.popleft()
            bisect.insort(self.recent, at)

    def replay(self, times: Sequence[float]) -> None:
        """Rebuild the pace from these submission times (ascending)."""
        self.recent.clear()
        self.minute, self.minute_count, self.rate, self.rated = None, 0, 0.0, False
        for at in times:
            self.tick(at)

    def baseline(self, now_minute: int) -> float:
        """The average per active minute, with the open minute in it once it has ended."""
        if self.minute is None or now_minute <= self.minute:
            return self.rate
        if not self.rated:
            return float(self.minute_count)
        return EWMA_ALPHA * self.minute_count + (1 - EWMA_ALPHA) * self.rate


def _touch(entries: OrderedDict[str, None], key: str, limit: int) -> None:
    entries[key] = None
    entries.move_to_end(key)
    if len(entries) > limit:
        entries.popitem(last=False)


class _History:
    """One agent's history as of ``now``; satisfies ``policy.risk.AgentHistory``."""

    __slots__ = ("_now", "_state")

    def __init__(self, state: _AgentState | None, now: float) -> None:
        self._state = state
        self._now = now

    @property
    def known(self) -> bool:
        return self._state is not None

    @property
    def command_count(self) -> int:
        return self._state.count if self._state else 0

    def seen_program(self, name: str) -> bool:
        return self._state is not None and name in self._state.programs

    def seen_target(self, target: str) -> bool:
        return self._state is not None and target in self._state.targets

    def recent_count(self, window_seconds: float) -> int:
        if self._state is None:
            return 0
        recent = self._state.recent  # ascending: two binary searches, not a scan
        return bisect.bisect_right(recent, self._now) - bisect.bisect_right(
            recent, self._now - window_seconds
        )

    def baseline_per_minute(self) -> float:
        return self._state.baseline(int(self._now // 60)) if self._state else 0.0


class AgentActivity:
    """Per (organisation, agent): programs run, targets used, submissions over time."""

    def __init__(
        self,
        *,
        max_agents: int = 4096,
        max_programs: int = 256,
        max_targets: int = 128,
        max_recent: int = 512,
    ) -> None:
        self._agents: OrderedDict[tuple[str, str], _AgentState] = OrderedDict()
        self._max_agents = max_agents
        self._limits = (max_programs, max_targets)
        self._max_recent = max_recent

    def __len__(self) -> int:
        return len(self._agents)

    def needs_priming(self, org_id: str, agent_id: str) -> bool:
        """Whether the agent's past should be loaded with ``prime`` before the next submission."""
        state = self._agents.get((org_id, agent_id))
        return state is None or not state.primed

    def history_for(self, org_id: str, agent_id: str, *, now: float | None = None) -> AgentHistory:
        """The agent's history as of ``now`` (epoch seconds; default: the current time).

        ``known`` is False for an agent the tracker has never primed nor recorded.
        Take it before ``record``-ing the submission being assessed.
        """
        state = self._agents.get((org_id, agent_id))
        if state is not None:
            self._agents.move_to_end((org_id, agent_id))
        return _History(state, time.time() if now is None else now)

    def record(
        self, org_id: str, agent_id: str, programs: Iterable[str], target: str | None, at: float
    ) -> None:
        """Remember one submission: its ``program_names``, its target, and when (epoch s)."""
        state = self._state(org_id, agent_id)
        state.remember(programs, target, self._limits)
        state.count += 1
        state.tick(at)

    def prime(
        self,
        org_id: str,
        agent_id: str,
        rows: Iterable[tuple[Sequence[str], str | None, float]],
    ) -> None:
        """Load an agent's past from the database, the first time the agent is seen.

        Pass the agent's most recent commands (a few hundred is plenty; any
        order), each as ``(parts, target, created_at)``: ``parts`` as stored in
        the ``commands.parts`` column (the simple commands of the text),
        ``target`` as submitted (or None), ``created_at`` as epoch seconds.
        Pass an empty list for an agent with no commands yet, so that it
        counts as known-and-new. Submissions ``record``-ed while the query ran
        are kept. A second call for a primed agent changes nothing.
        """
        key = (org_id, agent_id)
        earlier = self._agents.get(key)
        if earlier is not None and earlier.primed:
            return
        state = _AgentState(self._max_recent)
        ordered = sorted(rows, key=lambda row: row[2])
        for parts, target, _ in ordered:
            state.remember(program_names(parts), target, self._limits)
        times = [at for _, _, at in ordered]
        state.count = len(ordered)
        if earlier is not None:  # recorded while the database was being read
            state.remember(earlier.programs, None, self._limits)
            for target in earlier.targets:
                state.remember((), target, self._limits)
            state.count += earlier.count
            times = sorted({*times, *earlier.recent})
        state.replay(times)
        state.primed = True
        self._put(key, state)

    def forget(self, org_id: str, agent_id: str) -> None:
        """Drop an agent's history (e.g. when the agent is deleted)."""
        self._agents.pop((org_id, agent_id), None)

    def _state(self, org_id: str, agent_id: str) -> _AgentState:
        key = (org_id, agent_id)
        state = self._agents.get(key)
        if state is None:
            state = _AgentState(self._max_recent)
            self._put(key, state)
        else:
            self._agents.move_to_end(key)
        return state

    def _put(self, key: tuple[str, str], state: _AgentState) -> None:
        self._agents[key] = state
        self._agents.move_to_end(key)
        while len(self._agents) > self._max_agents:
            self._agents.popitem(last=False)
