"""How a waiting run() computes its deadline: from durations, never from the server's clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from expacti import ExpactiConnectionError, Progress
from expacti._frames import ProgressFrame
from expacti._pending import GRACE_SECONDS, MAX_TIMEOUT_SECONDS, PendingCommand, policy_seconds


def pending(
    timeout: float | None, policy: int | None = None, seen: list[Progress] | None = None
) -> PendingCommand:
    return PendingCommand(
        "r-1",
        "ls",
        "{}",
        timeout=timeout,
        policy=policy,
        on_progress=None if seen is None else seen.append,
    )


EXPIRES = datetime(2026, 11, 21, 10, 1, tzinfo=UTC)


def progress(*, escalated: bool, expires_at: datetime, approvals: int = 1) -> ProgressFrame:
    approvers = ("alice",) * approvals
    return ProgressFrame("r-1", "cmd_1", approvals, 2, approvers, escalated, expires_at)


async def test_before_the_submit_is_sent_the_deadline_counts_from_the_call() -> None:
    waiting = pending(30)
    assert waiting.sent_at is None
    assert waiting.deadline == waiting.started + 30 + GRACE_SECONDS


async def test_the_deadline_counts_from_the_first_submit_sent() -> None:
    waiting = pending(30)
    await asyncio.sleep(0)
    waiting.sent()
    assert waiting.sent_at is not None
    first = waiting.sent_at
    assert waiting.deadline == first + 30 + GRACE_SECONDS
    waiting.sent()  # a re-sent submit resumes the same command: its clock did not restart
    assert (waiting.sent_at, waiting.deadline) == (first, first + 30 + GRACE_SECONDS)


async def test_without_timeout_or_policy_the_protocol_maximum_bounds_the_wait() -> None:
    waiting = pending(None)
    waiting.sent()
    assert waiting.sent_at is not None
    assert waiting.deadline == waiting.sent_at + MAX_TIMEOUT_SECONDS + GRACE_SECONDS


async def test_without_timeout_the_policy_from_hello_bounds_the_wait() -> None:
    waiting = pending(None, policy=60)
    waiting.sent()
    assert waiting.sent_at is not None
    assert waiting.deadline == waiting.sent_at + 60 + GRACE_SECONDS


async def test_a_hello_after_the_submit_applies_its_policy_and_wakes_the_waiter() -> None:
    waiting = pending(None)
    waiting.sent()
    assert waiting.sent_at is not None
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_soon(waiting.set_policy, 30)
    async with asyncio.timeout(5):  # only a broken wake-up would get near this
        await waiting.wait(never, 3600)
    assert waiting.deadline == waiting.sent_at + 30 + GRACE_SECONDS


async def test_a_given_timeout_wins_over_the_policy() -> None:
    waiting = pending(120, policy=60)
    waiting.set_policy(30)
    assert waiting.deadline == waiting.started + 120 + GRACE_SECONDS


async def test_a_client_clock_ahead_of_the_server_does_not_shorten_the_wait() -> None:
    waiting = pending(None, policy=60)
    waiting.sent()
    deadline = waiting.deadline
    expires_at = datetime.now(UTC) - timedelta(minutes=2)  # "expired" on a fast client clock
    waiting.expires(expires_at)
    assert waiting.deadline == deadline
    assert waiting.expires_at == expires_at  # still there to read


async def test_a_client_clock_behind_the_server_does_not_lengthen_the_wait() -> None:
    waiting = pending(None, policy=60)
    waiting.sent()
    deadline = waiting.deadline
    waiting.expires(datetime.now(UTC) + timedelta(days=1))
    assert waiting.deadline == deadline


def test_policy_seconds_reads_only_a_usable_timeout() -> None:
    assert policy_seconds({"timeout_seconds": 60}) == 60
    assert policy_seconds({"timeout_seconds": MAX_TIMEOUT_SECONDS}) == MAX_TIMEOUT_SECONDS
    assert policy_seconds({}) is None
    assert policy_seconds({"timeout_seconds": 0}) is None
    assert policy_seconds({"timeout_seconds": MAX_TIMEOUT_SECONDS + 1}) is None


async def test_a_delivered_event_wakes_the_waiter() -> None:
    waiting = pending(None)
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    error = ExpactiConnectionError("client closed")
    asyncio.get_running_loop().call_soon(waiting.deliver, error)
    async with asyncio.timeout(5):  # only a broken wake-up would get near this
        await waiting.wait(never, 3600)
    assert waiting.take() is error
    assert waiting.take() is None


async def test_an_escalation_extends_a_wait_without_timeout_by_what_the_server_added() -> None:
    waiting = pending(None, policy=60)
    waiting.sent()
    deadline = waiting.deadline
    waiting.expires(EXPIRES)
    waiting.progressed(progress(escalated=True, expires_at=EXPIRES + timedelta(seconds=90)))
    assert waiting.deadline == deadline + 90
    # Later frames of the escalated command repeat its expires_at: nothing moves again.
    waiting.progressed(progress(escalated=True, expires_at=EXPIRES + timedelta(seconds=90)))
    assert waiting.deadline == deadline + 90
    assert waiting.expires_at == EXPIRES + timedelta(seconds=90)


async def test_an_escalation_extends_the_wait_at_most_by_the_protocol_maximum() -> None:
    waiting = pending(None, policy=60)
    deadline = waiting.deadline
    waiting.expires(EXPIRES)
    waiting.progressed(progress(escalated=True, expires_at=EXPIRES + timedelta(days=1)))
    assert waiting.deadline == deadline + MAX_TIMEOUT_SECONDS


@pytest.mark.parametrize(
    ("timeout", "escalated"), [(30.0, True), (None, False)], ids=["own-timeout", "not-escalated"]
)
async def test_only_an_escalation_of_a_run_without_timeout_moves_the_deadline(
    timeout: float | None, escalated: bool
) -> None:
    waiting = pending(timeout, policy=60)
    deadline = waiting.deadline
    waiting.expires(EXPIRES)
    waiting.progressed(progress(escalated=escalated, expires_at=EXPIRES + timedelta(minutes=5)))
    assert waiting.deadline == deadline
    assert waiting.expires_at == EXPIRES + timedelta(minutes=5)


async def test_progress_is_reported_and_a_raising_callback_is_only_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[Progress] = []
    pending(None, seen=seen).progressed(progress(escalated=False, expires_at=EXPIRES))
    assert [(p.approvals, p.required, p.approvers) for p in seen] == [(1, 2, ("alice",))]

    def broken(_: Progress) -> None:
        raise RuntimeError("callback bug")

    waiting = PendingCommand("r-2", "ls", "{}", timeout=None, on_progress=broken)
    waiting.progressed(progress(escalated=False, expires_at=EXPIRES))
    assert "on_progress callback of r-2 raised" in caplog.text
    assert "callback bug" in caplog.text


async def test_a_coroutine_function_as_on_progress_is_refused_without_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def callback(_: Progress) -> None:
        raise AssertionError("never runs")

    waiting = PendingCommand("r-3", "ls", "{}", timeout=None, on_progress=callback)
    waiting.progressed(progress(escalated=False, expires_at=EXPIRES))  # warnings are errors
    assert "on_progress must be a plain function" in caplog.text
