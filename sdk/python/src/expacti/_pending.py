"""One ``run()`` waiting for its decision: its submit frame, deadline and routed frames."""

from __future__ import annotations

import asyncio
from collections import deque
from datetime import UTC, datetime
from typing import Final, TypeAlias

from ._errors import ExpactiError
from ._frames import Accepted, DecisionFrame, ErrorFrame

__all__ = ["GRACE_SECONDS", "MAX_TIMEOUT_SECONDS", "Event", "PendingCommand"]

GRACE_SECONDS: Final = 5.0
"""How much longer than the server's timeout the client waits, for network slack."""

MAX_TIMEOUT_SECONDS: Final = 600
"""The longest timeout the protocol allows (10 minutes)."""

Event: TypeAlias = Accepted | DecisionFrame | ErrorFrame | ExpactiError
"""What the reader hands a waiting run(): a frame for it, or the error that ends it."""


class PendingCommand:
    """One ``run()`` waiting for its decision, and the frames routed to it."""

    def __init__(self, request_id: str, command: str, frame: str, *, timeout: float | None) -> None:
        loop = asyncio.get_running_loop()
        self.request_id = request_id
        self.command = command
        self.frame = frame
        self.fixed_deadline = timeout is not None
        # Without a timeout the server's maximum bounds the wait until `accepted` tells more.
        self.latest = loop.time() + (timeout or MAX_TIMEOUT_SECONDS) + GRACE_SECONDS
        self.deadline = self.latest
        self.command_id: str | None = None
        self._events: deque[Event] = deque()
        self._arrived: asyncio.Future[None] | None = None

    def deliver(self, event: Event) -> None:
        """Queue ``event`` and wake the waiting run()."""
        self._events.append(event)
        if self._arrived is not None and not self._arrived.done():
            self._arrived.set_result(None)

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

    def expires(self, expires_at: datetime) -> None:
        """Move the deadline to the server's ``expires_at`` (plus grace), if none was given."""
        if self.fixed_deadline:
            return
        left = max((expires_at - datetime.now(UTC)).total_seconds(), 0.0)
        now = asyncio.get_running_loop().time()
        self.deadline = min(self.latest, now + left + GRACE_SECONDS)
