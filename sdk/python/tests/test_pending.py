"""How a waiting run() computes its deadline."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from expacti import ExpactiConnectionError
from expacti._pending import GRACE_SECONDS, MAX_TIMEOUT_SECONDS, PendingCommand


def pending(timeout: float | None) -> PendingCommand:
    return PendingCommand("r-1", "ls", "{}", timeout=timeout)


async def test_a_given_timeout_fixes_the_deadline() -> None:
    before = asyncio.get_running_loop().time()
    waiting = pending(30)
    assert before + 30 + GRACE_SECONDS <= waiting.deadline
    deadline = waiting.deadline
    waiting.expires(datetime.now(UTC) + timedelta(seconds=1))
    assert waiting.deadline == deadline


async def test_without_timeout_the_server_maximum_bounds_the_wait() -> None:
    before = asyncio.get_running_loop().time()
    waiting = pending(None)
    after = asyncio.get_running_loop().time()
    assert before + MAX_TIMEOUT_SECONDS + GRACE_SECONDS <= waiting.deadline
    assert waiting.deadline <= after + MAX_TIMEOUT_SECONDS + GRACE_SECONDS


async def test_expires_at_moves_the_deadline() -> None:
    waiting = pending(None)
    waiting.expires(datetime.now(UTC) + timedelta(seconds=60))
    assert waiting.deadline < waiting.latest
    soon = waiting.deadline
    waiting.expires(datetime.now(UTC) + timedelta(seconds=120))  # a resumed wait, later expiry
    assert waiting.deadline > soon


async def test_a_far_expires_at_cannot_extend_past_the_maximum() -> None:
    waiting = pending(None)
    waiting.expires(datetime.now(UTC) + timedelta(days=1))  # a client clock far behind
    assert waiting.deadline == waiting.latest


async def test_a_past_expires_at_still_leaves_the_grace() -> None:
    waiting = pending(None)
    now = asyncio.get_running_loop().time()
    waiting.expires(datetime.now(UTC) - timedelta(hours=1))  # a client clock far ahead
    assert waiting.deadline >= now + GRACE_SECONDS


async def test_a_delivered_event_wakes_the_waiter() -> None:
    waiting = pending(None)
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    error = ExpactiConnectionError("client closed")
    asyncio.get_running_loop().call_soon(waiting.deliver, error)
    async with asyncio.timeout(5):  # only a broken wake-up would get near this
        await waiting.wait(never, 3600)
    assert waiting.take() is error
    assert waiting.take() is None
