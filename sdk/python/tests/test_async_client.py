"""AsyncExpactiClient against a scripted peer speaking protocol v1 over real WebSockets."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import socket
import threading
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection
from websockets.protocol import State

from expacti import (
    AsyncExpactiClient,
    CommandDeniedException,
    CommandTimeoutException,
    Decision,
    ExpactiAuthenticationError,
    ExpactiConnectionError,
    ExpactiProtocolError,
    Progress,
    _pending,
)
from expacti._pending import PendingCommand
from peer import HELLO, TOKEN, Peer, Script, accepted, decision, fake_server, send, wait_for

FAST: dict[str, Any] = {"max_backoff": 0.02, "reconnect_timeout": 2.0, "connect_timeout": 1.0}


def client(peer: Peer, **options: Any) -> AsyncExpactiClient:
    return AsyncExpactiClient(peer.url, TOKEN, **{**FAST, **options})


@pytest.fixture
def short_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client's 5 s network slack, shortened so deadline tests stay fast."""
    monkeypatch.setattr(_pending, "GRACE_SECONDS", 0.05)


async def approve_after_accepted(peer: Peer, ws: ServerConnection) -> None:
    while True:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit))
        await send(ws, decision(submit, notes="ok"))


async def test_approved_after_accepted() -> None:
    async with fake_server(approve_after_accepted) as peer, client(peer) as c:
        result = await c.run("terraform apply", target="prod-eu", timeout=1.2)
    assert result.approved is True
    assert (result.decision, result.reviewer, result.notes) == ("approved", "alice", "ok")
    assert result.command == "terraform apply"
    [submit] = peer.submits
    assert submit["request_id"] == result.request_id
    assert submit["command"] == "terraform apply"
    assert submit["target"] == "prod-eu"
    assert submit["timeout_seconds"] == 2  # ceil(1.2)


async def test_whitelisted_decision_without_accepted() -> None:
    async def whitelisted(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, decision(submit, reviewer=None, whitelisted=True, rule_id="rule_1"))

    async with fake_server(whitelisted) as peer, client(peer) as c:
        result = await c.run("uptime")
    assert (result.approved, result.whitelisted, result.rule_id) == (True, True, "rule_1")
    assert "timeout_seconds" not in peer.submits[0]


async def test_session_and_context_are_sent() -> None:
    async with fake_server(approve_after_accepted) as peer, client(peer) as c:
        await c.run("ls", session={"id": "s-1", "current_step": 2}, context={"ticket": "OPS-7"})
    assert peer.submits[0]["session"] == {"id": "s-1", "current_step": 2}
    assert peer.submits[0]["context"] == {"ticket": "OPS-7"}


async def test_an_edited_decision_returns_the_edited_command_never_the_original() -> None:
    async def edit(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit))
        edited = "terraform apply -target=module.web"
        await send(ws, decision(submit, command=edited, edited=True, approvers=["alice"]))

    async with fake_server(edit) as peer, client(peer) as c:
        result = await c.run("terraform apply")
    assert (result.command, result.original_command) == (
        "terraform apply -target=module.web",
        "terraform apply",
    )
    assert (result.edited, result.approvers) == (True, ("alice",))


async def test_an_edit_without_the_edited_command_fails_closed() -> None:
    async def edit(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, decision(submit, edited=True))
        await peer.recv(ws)  # the client's cancel

    async with fake_server(edit) as peer, client(peer) as c:
        with pytest.raises(ExpactiProtocolError, match="edited is true but command is missing"):
            await c.run("terraform apply")
        await wait_for(peer.got_cancel)


async def test_on_progress_sees_each_partial_approval_and_the_escalation() -> None:
    async def two_approvers(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        first = accepted(submit)
        await send(ws, first)
        later = first["expires_at"].replace("Z", "+00:00")
        base = {"type": "progress", "request_id": submit["request_id"], "command_id": "cmd_1"}
        await send(
            ws,
            base
            | {
                "approvals": 0,
                "required": 2,
                "approvers": [],
                "escalated": True,
                "expires_at": later,
            },
        )
        await send(
            ws,
            base
            | {
                "approvals": 1,
                "required": 2,
                "approvers": ["alice"],
                "escalated": True,
                "expires_at": later,
            },
        )
        await send(ws, decision(submit, reviewer="bob", approvers=["alice", "bob"]))

    seen: list[Progress] = []
    async with fake_server(two_approvers) as peer, client(peer) as c:
        result = await c.run("terraform apply", on_progress=seen.append)
    assert [(p.approvals, p.required, p.approvers, p.escalated) for p in seen] == [
        (0, 2, (), True),
        (1, 2, ("alice",), True),
    ]
    assert {p.command_id for p in seen} == {"cmd_1"}
    assert result.approvers == ("alice", "bob")


async def test_a_raising_on_progress_does_not_break_the_wait(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def progress_then_approve(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        pending = accepted(submit)
        await send(ws, pending)
        await send(
            ws,
            {
                "type": "progress",
                "request_id": submit["request_id"],
                "command_id": "cmd_1",
                "approvals": 1,
                "required": 2,
                "approvers": ["alice"],
                "escalated": False,
                "expires_at": pending["expires_at"],
            },
        )
        await send(ws, decision(submit))

    def broken(progress: Progress) -> None:
        raise RuntimeError("a bug in the agent's callback")

    async with fake_server(progress_then_approve) as peer, client(peer) as c:
        result = await c.run("terraform apply", on_progress=broken)
    assert result.approved
    assert "a bug in the agent's callback" in caplog.text


async def test_progress_with_another_command_id_is_a_protocol_error() -> None:
    async def switch(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        pending = accepted(submit)
        await send(ws, pending)
        await send(
            ws,
            {
                "type": "progress",
                "request_id": submit["request_id"],
                "command_id": "cmd_2",
                "approvals": 1,
                "required": 2,
                "approvers": ["alice"],
                "escalated": False,
                "expires_at": pending["expires_at"],
            },
        )

    async with fake_server(switch) as peer, client(peer) as c:
        with pytest.raises(ExpactiProtocolError, match="command_id"):
            await c.run("ls")


@pytest.mark.parametrize("state", ["denied", "cancelled"])
async def test_denied_and_cancelled_raise(state: str) -> None:
    async def deny(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit))
        await send(ws, decision(submit, state, notes="not on a Friday"))

    async with fake_server(deny) as peer, client(peer) as c:
        with pytest.raises(CommandDeniedException) as info:
            await c.run("rm -rf /srv")
    exc = info.value
    assert (exc.command, exc.notes, exc.decision.decision) == (
        "rm -rf /srv",
        "not on a Friday",
        state,
    )
    assert exc.decision.approved is False


async def test_server_timeout_raises_with_the_decision() -> None:
    async def time_out(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, decision(submit, "timed_out", notes="no decision within 60 s"))

    async with fake_server(time_out) as peer, client(peer) as c:
        with pytest.raises(CommandTimeoutException) as info:
            await c.run("make deploy")
    assert info.value.decision is not None
    assert info.value.decision.decision == "timed_out"


@pytest.mark.parametrize("state", ["denied", "cancelled", "timed_out"])
async def test_raise_on_deny_false_returns_the_decision(state: str) -> None:
    async def answer(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, decision(submit, state))

    async with fake_server(answer) as peer, client(peer) as c:
        result = await c.run("ls", raise_on_deny=False)
    assert (result.approved, result.decision) == (False, state)


async def test_contradictory_decision_fails_closed_and_cancels() -> None:
    async def lie(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit))
        await send(ws, {**decision(submit, "denied"), "approved": True})
        await peer.recv(ws)  # the client's cancel

    async with fake_server(lie) as peer, client(peer) as c:
        with pytest.raises(ExpactiProtocolError) as info:
            await c.run("rm -rf /", raise_on_deny=False)
        await wait_for(peer.got_cancel)
    assert info.value.code is None
    assert peer.received[-1]["type"] == "cancel"
    assert peer.received[-1]["request_id"] == peer.submits[0]["request_id"]


async def test_unattributable_invalid_frame_fails_every_waiter() -> None:
    async def garble(peer: Peer, ws: ServerConnection) -> None:
        await peer.recv(ws)
        await peer.recv(ws)
        await send(ws, {"type": "surprise"})

    async with fake_server(garble) as peer, client(peer) as c:
        results = await asyncio.gather(c.run("a"), c.run("b"), return_exceptions=True)
    assert all(isinstance(r, ExpactiProtocolError) for r in results), results


async def test_command_id_switch_is_a_protocol_error() -> None:
    async def switch(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit, command_id="cmd_1"))
        await send(ws, decision(submit, command_id="cmd_2"))

    async with fake_server(switch) as peer, client(peer) as c:
        with pytest.raises(ExpactiProtocolError, match="command_id"):
            await c.run("ls")


async def test_error_frame_raises_with_its_code() -> None:
    async def refuse(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(
            ws,
            {
                "type": "error",
                "code": "command_too_large",
                "message": "command: too large",
                "request_id": submit["request_id"],
                "details": {},
            },
        )

    async with fake_server(refuse) as peer, client(peer) as c:
        with pytest.raises(ExpactiProtocolError) as info:
            await c.run("ls")
    assert info.value.code == "command_too_large"
    assert info.value.request_id == peer.submits[0]["request_id"]


async def test_unavailable_is_retried_with_the_same_request_id() -> None:
    async def flaky(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        unavailable = {"type": "error", "code": "unavailable", "message": "database down"}
        await send(ws, {**unavailable, "request_id": submit["request_id"]})
        again = await peer.recv(ws)
        await send(ws, decision(again))

    async with fake_server(flaky) as peer, client(peer) as c:
        result = await c.run("ls")
    assert result.approved
    assert [s["request_id"] for s in peer.submits] == [result.request_id] * 2


async def test_resumes_after_the_connection_drops() -> None:
    async def drop_then_decide(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        if peer.connections == 1:
            await send(ws, accepted(submit))
            ws.transport.abort()  # no close frame: the network just went away
            return
        await send(ws, accepted(submit, resumed=True))
        await send(ws, decision(submit))

    async with fake_server(drop_then_decide) as peer, client(peer) as c:
        result = await c.run("terraform apply")
    assert result.approved
    assert peer.connections == 2
    assert [s["request_id"] for s in peer.submits] == [result.request_id] * 2


async def test_resumes_after_server_restart_close_and_learns_an_earlier_decision() -> None:
    async def restart(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        if peer.connections == 1:
            await send(ws, accepted(submit))
            await ws.close(1001, "shutting down")
            return
        await send(ws, decision(submit, "denied"))  # decided while we were away

    async with fake_server(restart) as peer, client(peer) as c:
        with pytest.raises(CommandDeniedException):
            await c.run("ls")
    assert len({s["request_id"] for s in peer.submits}) == 1


async def test_concurrent_runs_share_one_connection_and_are_routed() -> None:
    async def reverse(peer: Peer, ws: ServerConnection) -> None:
        first = await peer.recv(ws)
        second = await peer.recv(ws)
        await send(ws, decision(second, "denied"))
        await send(ws, decision(first, command_id="cmd_2"))

    async with fake_server(reverse) as peer, client(peer) as c:
        results = await asyncio.gather(
            c.run("first"), c.run("second", raise_on_deny=False), return_exceptions=True
        )
    assert peer.connections == 1
    first, second = results
    assert not isinstance(first, BaseException)
    assert not isinstance(second, BaseException)
    assert (first.command, first.approved) == ("first", True)
    assert (second.command, second.decision) == ("second", "denied")


async def test_client_deadline_cancels_and_raises(short_grace: None) -> None:
    async def never_decide(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit))
        await peer.recv(ws)

    async with fake_server(never_decide) as peer, client(peer) as c:
        with pytest.raises(CommandTimeoutException) as info:
            await c.run("sleep", timeout=0.05)
        await wait_for(peer.got_cancel)
    assert info.value.decision is None
    assert peer.received[-1] == {
        "type": "cancel",
        "request_id": peer.submits[0]["request_id"],
        "reason": "agent deadline passed",
    }


async def test_a_client_clock_ahead_of_the_server_does_not_time_out_the_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fast client clock sees every ``expires_at`` in the past: that must not end the wait."""
    monkeypatch.setattr(_pending, "GRACE_SECONDS", 0.0)  # no slack to hide the skew
    waits_after_accepted = asyncio.Event()
    real_wait = PendingCommand.wait

    async def spy(self: PendingCommand, lost: asyncio.Future[None], seconds: float) -> None:
        if self.command_id is not None:  # the accepted was handled and the run still waits
            waits_after_accepted.set()
        await real_wait(self, lost, seconds)

    monkeypatch.setattr(PendingCommand, "wait", spy)

    async def skewed(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit, expires_in=-120))  # two minutes "ago" for the client
        await wait_for(waits_after_accepted)
        await send(ws, decision(submit))

    async with fake_server(skewed) as peer, client(peer) as c:
        result = await c.run("echo skew")
    assert result.approved
    assert [frame["type"] for frame in peer.received] == ["submit"]  # no cancel


async def test_without_timeout_the_policy_from_hello_bounds_the_wait(short_grace: None) -> None:
    async def never_decide(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit, expires_in=3600))  # a far expires_at changes nothing
        await peer.recv(ws)

    hello = {**HELLO, "limits": {**HELLO["limits"], "timeout_seconds": 1}}
    async with fake_server(never_decide, hello=hello) as peer, client(peer) as c:
        async with asyncio.timeout(10):  # only a client ignoring the policy gets near this
            with pytest.raises(CommandTimeoutException) as info:
                await c.run("sleep")
        await wait_for(peer.got_cancel)
    assert info.value.decision is None
    assert peer.received[-1]["reason"] == "agent deadline passed"


async def test_cancelling_the_task_cancels_on_the_server() -> None:
    async def hold(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit))
        await peer.recv(ws)

    async with fake_server(hold) as peer, client(peer) as c:
        task = asyncio.create_task(c.run("sleep"))
        await wait_for(peer.got_submit)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await wait_for(peer.got_cancel)
    assert peer.received[-1]["request_id"] == peer.submits[0]["request_id"]


async def test_aclose_fails_waiters_and_is_idempotent() -> None:
    async def hold(peer: Peer, ws: ServerConnection) -> None:
        await peer.recv(ws)
        await peer.recv(ws)

    async with fake_server(hold) as peer:
        c = client(peer)
        task = asyncio.create_task(c.run("sleep"))
        await wait_for(peer.got_submit)
        await c.aclose()
        with pytest.raises(ExpactiConnectionError, match="client closed"):
            await task
        await c.aclose()
        with pytest.raises(ExpactiConnectionError, match="client closed"):
            await c.run("ls")
        await wait_for(peer.got_cancel)


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_handshake_raises_at_once(status: int) -> None:
    async with fake_server(approve_after_accepted, refuse=status) as peer, client(peer) as c:
        with pytest.raises(ExpactiAuthenticationError) as info:
            await c.run("ls")
    assert info.value.status_code == status
    assert "token" in str(info.value)
    assert peer.handshakes == 1


async def test_wrong_token_is_refused() -> None:
    async with fake_server(approve_after_accepted) as peer:
        async with AsyncExpactiClient(peer.url, "wrong-token", **FAST) as c:
            with pytest.raises(ExpactiAuthenticationError, match="unauthenticated token"):
                await c.connect()
        assert peer.connections == 0


async def test_unreachable_server_raises_connection_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"ws://127.0.0.1:{port}/shell/ws"
    async with AsyncExpactiClient(url, TOKEN, **{**FAST, "reconnect_timeout": 0.2}) as c:
        with pytest.raises(ExpactiConnectionError) as info:
            await c.run("ls")
    assert not isinstance(info.value, ExpactiAuthenticationError)
    assert url in str(info.value)


async def test_lost_server_does_not_become_an_approval() -> None:
    async def vanish(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit))
        peer.refuse = 503  # every reconnect attempt is refused from now on
        ws.transport.abort()

    async with fake_server(vanish) as peer, client(peer, reconnect_timeout=0.2) as c:
        with pytest.raises(ExpactiConnectionError):
            await c.run("ls")
    assert peer.handshakes > 1


async def test_frame_larger_than_the_server_accepts_is_refused_locally() -> None:
    async with fake_server(approve_after_accepted) as peer, client(peer) as c:
        await c.connect()
        with pytest.raises(ValueError, match="bytes"):
            await c.run("x" * 1_100_000)
    assert peer.submits == []


@pytest.mark.parametrize(
    ("command", "timeout", "problem"),
    [
        ("", None, "blank"),
        ("  \n", None, "blank"),
        ("ls", 0, "timeout"),
        ("ls", -1, "timeout"),
        ("ls", 601, "timeout"),
    ],
)
async def test_bad_arguments_raise_value_error(
    command: str, timeout: float | None, problem: str
) -> None:
    async with AsyncExpactiClient("ws://127.0.0.1:9/shell/ws", TOKEN) as c:
        with pytest.raises(ValueError, match=problem):
            await c.run(command, timeout=timeout)


@pytest.mark.parametrize(
    ("url", "token", "problem"),
    [
        ("http://localhost/shell/ws", TOKEN, "URL"),
        ("localhost:3001", TOKEN, "URL"),
        ("ws://h/ws", "a b", "token"),
        ("ws://h/ws", "", "token"),
    ],
)
def test_bad_url_or_token_raise_value_error(url: str, token: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        AsyncExpactiClient(url, token)


async def test_aclose_while_still_connecting_fails_the_run() -> None:
    async with fake_server(approve_after_accepted, refuse=503) as peer:
        c = client(peer, reconnect_timeout=30)
        task = asyncio.create_task(c.run("ls"))
        await wait_for(peer.retried)  # refused once, retrying
        await c.aclose()
        with pytest.raises(ExpactiConnectionError, match="client closed"):
            await task


# -- connections that end badly ----------------------------------------------------------


def test_a_socket_closed_before_the_reader_noticed_does_not_spin_the_loop() -> None:
    """The socket closed, the reader has not run yet: a run() must not retry without yielding.

    The client gets a thread and loop of its own, so a spinning loop fails this test instead
    of freezing the whole suite.
    """
    outcome: concurrent.futures.Future[Decision] = concurrent.futures.Future()

    async def scenario() -> None:
        async with fake_server(approve_after_accepted) as peer, client(peer) as c:
            await c.connect()
            conn = c._conn
            assert conn is not None
            conn.ws.transport.abort()  # the network went away...
            await asyncio.sleep(0)  # ...and the socket knows, but the reader has not run yet
            assert conn.ws.protocol.state is State.CLOSED
            assert not conn.lost.done()
            outcome.set_result(await c.run("echo hi", timeout=3))

    def in_own_loop() -> None:
        try:
            asyncio.run(scenario())
        except BaseException as exc:
            outcome.set_exception(exc)

    threading.Thread(target=in_own_loop, daemon=True).start()
    result = outcome.result(timeout=10)  # only a spinning loop gets near this
    assert result.approved


async def test_a_failed_send_marks_the_connection_lost_and_resumes() -> None:
    async with fake_server(approve_after_accepted) as peer, client(peer) as c:
        await c.connect()
        conn = c._conn
        assert conn is not None
        conn.ws.transport.abort()
        await asyncio.sleep(0)  # the socket is closed; the reader has not run yet
        assert not conn.lost.done()
        assert await conn.send("{}") is False
        assert conn.lost.done()
        assert not conn.alive
        result = await c.run("ls")
    assert result.approved
    assert peer.connections == 2


def drop_with(code: int) -> Script:
    async def script(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        if peer.connections > 1:  # reached only by a client that retried
            await send(ws, decision(submit))
            return
        if code == 1008:
            await send(ws, {"type": "error", "code": "unauthenticated", "message": "revoked"})
        await ws.close(code, "no")

    return script


async def test_close_1009_frame_too_big_is_not_retried() -> None:
    async with fake_server(drop_with(1009)) as peer, client(peer) as c:
        with pytest.raises(ExpactiProtocolError, match="1009"):
            await c.run("ls")
    assert peer.connections == 1


async def test_close_1008_token_revoked_is_not_retried() -> None:
    async with fake_server(drop_with(1008)) as peer, client(peer) as c:
        with pytest.raises(ExpactiAuthenticationError, match="1008"):
            await c.run("ls")
    assert peer.connections == 1


async def test_a_server_frame_too_big_for_the_client_is_not_retried() -> None:
    async def huge(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        if peer.connections > 1:
            await send(ws, decision(submit))
            return
        await send(ws, {**accepted(submit), "padding": "x" * 1_100_000})

    async with fake_server(huge) as peer, client(peer) as c:
        with pytest.raises(ExpactiProtocolError, match="1009"):
            await c.run("ls")
    assert peer.connections == 1
    assert peer.close_codes == [1009]


async def test_a_submit_over_the_limit_in_hello_is_never_retried() -> None:
    """However the race between the hello and the first submit goes, nothing is retried."""
    limit = 1000

    async def like_the_server(peer: Peer, ws: ServerConnection) -> None:
        frame = await ws.recv()
        if len(frame) > limit and peer.connections == 1:
            await ws.close(1009, "frame too big")
            return
        await send(ws, decision(json.loads(frame)))  # reached only by a retry

    hello = {**HELLO, "limits": {**HELLO["limits"], "max_frame_bytes": limit}}
    async with fake_server(like_the_server, hello=hello) as peer, client(peer) as c:
        with pytest.raises((ValueError, ExpactiProtocolError)):
            await c.run("x" * 2 * limit)
        with pytest.raises(ValueError, match="bytes"):  # the hello has arrived by now
            await c.run("x" * 2 * limit)
    assert peer.connections == 1


async def test_a_submit_stuck_in_send_is_bounded_by_the_deadline(
    short_grace: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A peer that stopped reading: the socket's buffers are full and send() never returns."""

    async def hold(peer: Peer, ws: ServerConnection) -> None:
        await ws.wait_closed()

    async def stuck(message: str) -> None:
        await asyncio.Future()

    async with fake_server(hold) as peer, client(peer) as c:
        await c.connect()
        assert c._conn is not None
        monkeypatch.setattr(c._conn.ws, "send", stuck)
        async with asyncio.timeout(5):  # only an unbounded send gets near this
            with pytest.raises(ExpactiConnectionError, match="deadline"):
                await c.run("ls", timeout=0.05)


async def test_a_frame_nested_too_deeply_fails_closed_on_one_connection() -> None:
    async def nest(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        if peer.connections > 1:  # reached only by a client that resubmitted elsewhere
            await send(ws, decision(submit))
            return
        await ws.send('{"type": "decision", "x": ' + "[" * 5000 + "]" * 5000 + "}")

    async with fake_server(nest) as peer, client(peer) as c:
        with pytest.raises(ExpactiProtocolError, match="nested"):
            await c.run("ls")
    assert peer.connections == 1
    assert peer.close_codes == [1002]


async def test_a_reader_failure_closes_the_socket_before_the_next_one_opens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever ends the reader, the client never holds two WebSockets at once."""

    async def crash_first(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        if peer.connections == 1:
            await send(ws, accepted(submit))  # the reader breaks on this one
            return
        await send(ws, decision(submit))

    real_dispatch = AsyncExpactiClient._dispatch
    crashed = False

    def dispatch_once_broken(self: AsyncExpactiClient, message: str | bytes) -> bool:
        nonlocal crashed
        if not crashed and '"accepted"' in str(message):
            crashed = True
            raise RuntimeError("a bug in the reader")
        return real_dispatch(self, message)

    monkeypatch.setattr(AsyncExpactiClient, "_dispatch", dispatch_once_broken)
    async with fake_server(crash_first) as peer, client(peer) as c:
        result = await c.run("ls")
    assert result.approved
    assert peer.connections == 2
    assert peer.most_open == 1
    assert peer.close_codes[0] == 1011
