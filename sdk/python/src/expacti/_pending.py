"""One ``run()`` waiting for its decision: its submit frame, deadline and routed frames."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Final, TypeAlias

from ._errors import ExpactiError
from ._frames import Accepted, DecisionFrame, ErrorFrame, ProgressFrame
from ._progress import Progress

if TYPE_CHECKING:
    from ._connection import Connection

__all__ = [
    "GRACE_SECONDS",
    "MAX_TIMEOUT_SECONDS",
    "Event",
    "PendingCommand",
    "ProgressCallback",
    "policy_seconds",
]

GRACE_SECONDS: Final = 5.0
"""How much longer than the server's timeout the client waits, for network slack."""

MAX_TIMEOUT_SECONDS: Final = 600
"""The longest timeout the protocol allows (10 minutes)."""

Event: TypeAlias = Accepted | ProgressFrame | DecisionFrame | ErrorFrame | ExpactiError
"""What the reader hands a waiting run(): a frame for it, or the error that ends it."""

ProgressCallback: TypeAlias = Callable[[Progress], object]
"""``run(on_progress=...)``: called with each Progress of the command."""

logger = logging.getLogger("expacti")


def policy_seconds(limits: Mapping[str, int]) -> int | None:
    """The organisation's timeout from a ``hello`` frame's ``limits``, if it is usable."""
    value = limits.get("timeout_seconds")
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_TIMEOUT_SECONDS:
        return value
    return None


class PendingCommand:
    """One ``run()`` waiting for its decision, and the frames routed to it.

    The client's deadline is made of durations on the loop's monotonic clock, never of the
    server's wall-clock ``expires_at``: a client clock that is off cannot shorten the wait.
    It is the run's own ``timeout``, else the organisation's policy from ``hello``
    (``limits.timeout_seconds``), else the protocol's maximum, plus the grace, counted from
    when the submit was first sent (from the call until then).

    When the server escalates the command it moves ``expires_at`` later; a run without its
    own ``timeout`` then waits that much longer too (the difference of two server
    timestamps, so still immune to the client's clock; at most MAX_TIMEOUT_SECONDS in all).
    A run's own ``timeout`` is the agent's limit and never moves.
    """

    def __init__(
        self,
        request_id: str,
        command: str,
        frame: str,
        *,
        timeout: float | None,
        policy: int | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        loop = asyncio.get_running_loop()
        self.request_id = request_id
        self.command = command
        self.frame = frame
        self.timeout = timeout
        self.policy = policy
        self.on_progress = on_progress
        self.extension = 0.0
        """Seconds the server's escalations added to the wait (runs without ``timeout``)."""
        self.started = loop.time()
        self.sent_at: float | None = None
        self.command_id: str | None = None
        self.expires_at: datetime | None = None
        """The server's ``expires_at`` from the latest ``accepted``; informative only."""
        self.conn: Connection | None = None
        """The connection the submit was last sent on."""
        self.deadline = 0.0
        self._events: deque[Event] = deque()
        self._arrived: asyncio.Future[None] | None = None
        self._update_deadline()

    @property
    def budget(self) -> float:
        """Seconds a human has to decide, as far as the client knows."""
        if self.timeout is not None:
            return self.timeout
        return self.policy if self.policy is not None else MAX_TIMEOUT_SECONDS

    def sent(self) -> None:
        """Record that the submit went out; the first one starts the server's clock."""
        if self.sent_at is None:
            self.sent_at = asyncio.get_running_loop().time()
            self._update_deadline()

    def set_policy(self, policy: int | None) -> None:
        """Apply the organisation's timeout from a ``hello`` and wake the waiter."""
        if policy is None or policy == self.policy:
            return
        self.policy = policy
        self._update_deadline()
        self._wake()

    def expires(self, expires_at: datetime) -> None:
        """Remember the server's ``expires_at``; it never moves the deadline."""
        self.expires_at = expires_at

    def progressed(self, frame: ProgressFrame) -> None:
        """Apply a ``progress`` frame: its ``expires_at``, then tell ``on_progress``.

        An escalation that moves ``expires_at`` later extends the wait of a run without its
        own ``timeout`` (see the class docstring). A callback that raises is logged; the
        wait goes on.
        """
        previous, self.expires_at = self.expires_at, frame.expires_at
        if frame.escalated and self.timeout is None and previous is not None:
            moved = (frame.expires_at - previous).total_seconds()
            if moved > 0:
                self.extension = min(self.extension + moved, float(MAX_TIMEOUT_SECONDS))
                self._update_deadline()
        if self.on_progress is None:
            return
        try:
            result = self.on_progress(frame.to_progress())
        except Exception:
            logger.exception("the on_progress callback of %s raised", self.request_id)
            return
        if inspect.iscoroutine(result):  # an async def: it would never run, and warn later
            result.close()
            logger.error("on_progress must be a plain function, not a coroutine function")

    def deliver(self, event: Event) -> None:
        """Queue ``event`` and wake the waiting run()."""
        self._events.append(event)
        self._wake()

    def take(self) -> Event | None:
        """The oldest queued event, or None."""
        return self._events.popleft() if self._events else None

    async def wait(self, lost: asyncio.Future[None], seconds: float) -> None:
        """Return when an event is queued, the connection is lost, or ``seconds`` passed."""
        if self._events:
            return
        self._arrived = asyncio.get_running_loop().create_future()
        await asyncio.wait(
            {self._arrived, lost}, timeout=max(seconds, 0.0), return_when=asyncio.FIRST_COMPLETED
        )

    def _update_deadline(self) -> None:
        start = self.started if self.sent_at is None else self.sent_at
        self.deadline = start + self.budget + self.extension + GRACE_SECONDS

    def _wake(self) -> None:
        if self._arrived is not None and not self._arrived.done():
            self._arrived.set_result(None)
