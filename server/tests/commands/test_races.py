"""Races around storing and deciding, stopped at exact points."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from expacti_server.commands.record import WaitEvent
from expacti_server.commands.submission import Submission
from expacti_server.errors import AlreadyDecided, TooManyPending
from expacti_server.services import Services
from expacti_server.whitelist.schemas import WhitelistRuleCreate
from tests.commands.conftest import another_agent, principals, running_core, write_lock


async def test_a_submit_cancelled_mid_store_still_gets_its_timeout(core: Services) -> None:
    agent, reviewer = await principals(core)
    delivered: list[WaitEvent] = []
    with write_lock(core):
        task = asyncio.create_task(
            core.commands.submit(
                agent,
                Submission(request_id="c-1", command="make deploy", timeout_seconds=1),
                origin="ws",
                listener=delivered.append,
            )
        )
        await asyncio.sleep(0.2)  # the store is now waiting for the lock
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    # The store committed after the caller was gone; the command must still
    # end (here: cancelled when its resume window closes), never stay pending.
    listing = []
    for _ in range(50):
        await asyncio.sleep(0.1)
        listing = await core.commands.list(reviewer)
        if listing and not listing[0].is_pending:
            break
    assert [r.request_id for r in listing] == ["c-1"]
    assert listing[0].status in {"cancelled", "timed_out"}
    assert not core.commands.waiters.agent_attached(listing[0].id)


async def test_an_approval_after_the_deadline_is_a_timeout(core: Services) -> None:
    agent, reviewer = await principals(core)
    outcome = await core.commands.submit(
        agent,
        Submission(request_id="late", command="make deploy", timeout_seconds=1),
        origin="http",
    )
    core.commands.scheduler.forget(outcome.record.id)  # as if the timer had not fired yet
    await asyncio.sleep(1.1)
    with pytest.raises(AlreadyDecided) as refused:
        await core.commands.decide(reviewer, outcome.record.id, approve=True)
    assert refused.value.details["decision"] == "timed_out"
    stored = await core.commands.get(reviewer, outcome.record.id)
    assert stored.status == "timed_out"


async def test_a_rule_deleted_while_a_match_waits_to_be_stored_does_not_approve(
    core: Services,
) -> None:
    agent, reviewer = await principals(core)
    rule = await core.whitelist.create(reviewer, WhitelistRuleCreate(pattern="git pull"))
    with write_lock(core) as outside:
        task = asyncio.create_task(
            core.commands.submit(
                agent, Submission(request_id="r-1", command="git pull"), origin="ws"
            )
        )
        await asyncio.sleep(0.2)  # matched against the cache, now waiting for the lock
        outside.execute("DELETE FROM whitelist_rules WHERE id = ?", (rule.id,))
    outcome = await task
    assert outcome.record.status == "pending"
    assert outcome.record.whitelisted is False


async def test_pending_quotas_per_agent_and_org_free_up_on_decision(tmp_path: Path) -> None:
    async with running_core(tmp_path, max_pending_per_agent=2, max_pending_per_org=3) as core:
        agent, reviewer = await principals(core)
        other_agent = await another_agent(core, "bot-2")
        first = await core.commands.submit(
            agent, Submission(request_id="q-0", command="deploy 0"), origin="http"
        )
        await core.commands.submit(
            agent, Submission(request_id="q-1", command="deploy 1"), origin="http"
        )
        with pytest.raises(TooManyPending, match="agent"):
            await core.commands.submit(
                agent, Submission(request_id="q-2", command="deploy 2"), origin="http"
            )
        await core.commands.submit(
            other_agent, Submission(request_id="o-0", command="deploy x"), origin="http"
        )
        with pytest.raises(TooManyPending, match="organisation"):
            await core.commands.submit(
                other_agent, Submission(request_id="o-1", command="deploy y"), origin="http"
            )
        await core.commands.decide(reviewer, first.record.id, approve=False)
        again = await core.commands.submit(
            agent, Submission(request_id="q-3", command="deploy 3"), origin="http"
        )
        assert again.record.is_pending
