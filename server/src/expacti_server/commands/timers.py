"""Deadlines of pending commands: the decision timeout and the resume window."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

import structlog

log = structlog.get_logger(__name__)

RETRY_SECONDS = 5.0

Expire = Callable[[str], Awaitable[None]]


class DeadlineScheduler:
    """Runs ``on_timeout`` when a command's ``expires_at`` passes and
    ``on_abandoned`` when its resume window closes.

    Timers live in the event loop (``call_at``), which costs a few hundred
    bytes per pending command; they are rebuilt from the database at startup.
    """

    def __init__(self, *, on_timeout: Expire, on_abandoned: Expire) -> None:
        self._on_timeout = on_timeout
        self._on_abandoned = on_abandoned
        self._timeouts: dict[str, asyncio.TimerHandle] = {}
        self._abandon: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def schedule_timeout(self, command_id: str, expires_at: datetime) -> None:
        """Arrange for ``on_timeout(command_id)`` at ``expires_at`` (at once if past)."""
        self._replace(self._timeouts, command_id, expires_at.timestamp(), self._on_timeout)

    def schedule_abandon(self, command_id: str, delay_seconds: float) -> None:
        """Arrange for ``on_abandoned(command_id)`` unless an agent resumes first."""
        self._replace(self._abandon, command_id, time.time() + delay_seconds, self._on_abandoned)

    def resume(self, command_id: str) -> None:
        """An agent is waiting again: drop the resume-window deadline."""
        handle = self._abandon.pop(command_id, None)
        if handle is not None:
            handle.cancel()

    def forget(self, command_id: str) -> None:
        """The command is decided: drop every deadline it had."""
        for table in (self._timeouts, self._abandon):
            handle = table.pop(command_id, None)
            if handle is not None:
                handle.cancel()

    async def aclose(self) -> None:
        """Cancel every timer and wait for deadline work already running."""
        for table in (self._timeouts, self._abandon):
            for handle in table.values():
                handle.cancel()
            table.clear()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _replace(
        self,
        table: dict[str, asyncio.TimerHandle],
        command_id: str,
        wall_deadline: float,
        action: Expire,
    ) -> None:
        loop = asyncio.get_running_loop()
        old = table.pop(command_id, None)
        if old is not None:
            old.cancel()
        when = loop.time() + max(0.0, wall_deadline - time.time())
        table[command_id] = loop.call_at(when, self._fire, table, command_id, action)

    def _fire(self, table: dict[str, asyncio.TimerHandle], command_id: str, action: Expire) -> None:
        table.pop(command_id, None)
        task = asyncio.get_running_loop().create_task(self._run(table, action, command_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(
        self, table: dict[str, asyncio.TimerHandle], action: Expire, command_id: str
    ) -> None:
        try:
            await action(command_id)
        except Exception:
            # The command stays pending (nothing is approved by a failed
            # deadline); try again shortly, e.g. once the database is back.
            log.exception("deadline_failed", command_id=command_id)
            if command_id not in table:
                self._replace(table, command_id, time.time() + RETRY_SECONDS, action)
