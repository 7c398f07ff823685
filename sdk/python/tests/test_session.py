"""Sessions: every run carries the session and its current step; leaving ends it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection

from expacti import (
    AsyncExpactiClient,
    AsyncSession,
    CommandDeniedException,
    ExpactiClient,
    Session,
)
from peer import TOKEN, Peer, accepted, decision, fake_server, send, wait_for

STEPS = ["build", "push", "migrate", "roll out"]


def ends(peer: Peer) -> list[dict[str, Any]]:
    return [frame for frame in peer.received if frame["type"] == "session_end"]


def sessions(peer: Peer) -> list[dict[str, Any]]:
    return [submit["session"] for submit in peer.submits]


def serve_session(ended: asyncio.Event) -> Any:
    """Approve every submit (deny ``rm``); note when a ``session_end`` arrives."""

    async def script(peer: Peer, ws: ServerConnection) -> None:
        while True:
            frame = await peer.recv(ws)
            if frame["type"] == "session_end":
                ended.set()
            elif frame["type"] == "submit":
                await send(ws, accepted(frame))
                state = "denied" if frame["command"].startswith("rm") else "approved"
                await send(ws, decision(frame, state))

    return script


async def test_each_run_sends_the_session_with_its_current_step_then_completed() -> None:
    ended = asyncio.Event()
    async with fake_server(serve_session(ended)) as peer, AsyncExpactiClient(peer.url, TOKEN) as c:
        async with c.session(goal="deploy v2.3.1 to staging", steps=STEPS) as s:
            assert isinstance(s, AsyncSession)
            await s.run("make build", step="build")
            s.step("push")
            await s.run("docker push registry/app:2.3.1")
            await s.run("alembic upgrade head", step=2, target="staging")
            assert s.current_step == 2
        await wait_for(ended)
    base = {"id": s.id, "goal": "deploy v2.3.1 to staging", "steps": STEPS}
    assert sessions(peer) == [base | {"current_step": n} for n in (0, 1, 2)]
    assert peer.submits[2]["target"] == "staging"  # run()'s other arguments pass through
    assert ends(peer) == [{"type": "session_end", "session_id": s.id, "status": "completed"}]
    assert len(s.id) == 32
    assert int(s.id, 16) >= 0


async def test_a_denial_leaving_the_block_ends_the_session_failed() -> None:
    ended = asyncio.Event()
    s: AsyncSession | None = None

    async def clean_up(c: AsyncExpactiClient) -> None:
        nonlocal s
        async with c.session(goal="clean up", steps=["inspect", "delete"]) as s:
            await s.run("ls /srv", step="inspect")
            await s.run("rm -rf /srv/old", step="delete")

    async with fake_server(serve_session(ended)) as peer, AsyncExpactiClient(peer.url, TOKEN) as c:
        with pytest.raises(CommandDeniedException):
            await clean_up(c)
        await wait_for(ended)
    assert s is not None
    assert ends(peer) == [{"type": "session_end", "session_id": s.id, "status": "failed"}]
    assert [frame["current_step"] for frame in sessions(peer)] == [0, 1]


async def test_a_session_without_steps_sends_null_steps_and_step() -> None:
    ended = asyncio.Event()
    async with fake_server(serve_session(ended)) as peer, AsyncExpactiClient(peer.url, TOKEN) as c:
        async with c.session(goal="look around") as s:
            await s.run("uptime")
            with pytest.raises(ValueError, match="no steps"):
                s.step(0)
        await wait_for(ended)
    expected = {"id": s.id, "goal": "look around", "steps": None, "current_step": None}
    assert sessions(peer) == [expected]


async def test_a_session_that_ran_nothing_sends_no_session_end() -> None:
    # The server learns of a session from its first submit: there is nothing to end.
    async with (
        fake_server(serve_session(asyncio.Event())) as peer,
        AsyncExpactiClient(peer.url, TOKEN) as c,
    ):
        async with c.session(goal="nothing to do", steps=STEPS) as s:
            s.step("push")
        await c.run("uptime")  # frames arrive in order: a session_end would come first
    assert [frame["type"] for frame in peer.received] == ["submit"]
    assert "session" not in peer.submits[0]


async def test_failing_to_send_session_end_is_logged_not_raised_over_the_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    session: AsyncSession | None = None

    async def deploy(c: AsyncExpactiClient) -> None:
        nonlocal session
        async with c.session(goal="deploy", steps=STEPS) as session:
            await session.run("make build")
            await c.aclose()  # session_end cannot be sent any more
            raise KeyError("the agent's own error")

    async with fake_server(serve_session(asyncio.Event())) as peer:
        with pytest.raises(KeyError, match="the agent's own error"):
            await deploy(AsyncExpactiClient(peer.url, TOKEN))
    assert session is not None
    assert f"could not tell the server session {session.id} failed" in caplog.text
    assert ends(peer) == []


async def test_a_run_after_the_session_ended_is_refused() -> None:
    async with fake_server(serve_session(asyncio.Event())) as peer:
        async with AsyncExpactiClient(peer.url, TOKEN) as c, c.session(goal="once") as s:
            pass
        with pytest.raises(RuntimeError, match="has ended"):
            await s.run("ls")
    assert peer.submits == []


@pytest.mark.parametrize(
    ("goal", "steps", "problem"),
    [
        ("", None, "goal must be"),
        ("   ", None, "goal must be"),
        ("x" * 1001, None, "goal must be"),
        ("deploy", [], "1-100 steps"),
        ("deploy", [f"step {i}" for i in range(101)], "1-100 steps"),
        ("deploy", ["build", ""], "non-blank strings"),
        ("deploy", ["build", 3], "non-blank strings"),
        ("deploy", "build", "non-blank strings"),
        ("deploy", ["build", "build"], "distinct"),
    ],
)
def test_goal_and_steps_are_validated(goal: str, steps: Any, problem: str) -> None:
    client = AsyncExpactiClient("ws://127.0.0.1:9/shell/ws", TOKEN)
    with pytest.raises(ValueError, match=problem):
        client.session(goal=goal, steps=steps)


def test_an_unknown_step_names_the_steps() -> None:
    s = AsyncExpactiClient("ws://127.0.0.1:9/shell/ws", TOKEN).session(goal="g", steps=STEPS)
    assert s.current_step == 0
    with pytest.raises(ValueError, match="'build', 'push', 'migrate', 'roll out'"):
        s.step("deploy")
    with pytest.raises(ValueError, match="no step 4: the steps are 0-3"):
        s.step(4)
    with pytest.raises(ValueError, match="no step -1"):
        s.step(-1)
    s.step("roll out")
    assert s.current_step == 3
    assert (s.goal, s.steps) == ("g", tuple(STEPS))


async def test_the_blocking_session_sends_the_same_frames() -> None:
    ended = asyncio.Event()

    def agent(url: str) -> tuple[Session, str]:
        with ExpactiClient(url=url, token=TOKEN) as client:
            try:
                with client.session(goal="deploy v2.3.1 to staging", steps=STEPS) as s:
                    s.run("make build", step="build")
                    s.step("migrate")
                    s.run("rm -rf /var/cache/app")  # denied: the block fails
            except CommandDeniedException as exc:
                return s, exc.command
        raise AssertionError("the denial did not leave the block")

    async with fake_server(serve_session(ended)) as peer:
        s, denied = await asyncio.to_thread(agent, peer.url)
        await wait_for(ended)
    assert isinstance(s, Session)
    assert denied == "rm -rf /var/cache/app"
    assert [frame["current_step"] for frame in sessions(peer)] == [0, 2]
    assert {frame["id"] for frame in sessions(peer)} == {s.id}
    assert ends(peer) == [{"type": "session_end", "session_id": s.id, "status": "failed"}]
