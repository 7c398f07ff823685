"""ExpactiClient, the blocking client: lazy, thread-safe, closes cleanly, exits cleanly.

The peer runs in the test's event loop, so the blocking calls go through
``asyncio.to_thread``, exactly as a program's own threads would call them.
"""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from websockets.asyncio.server import ServerConnection

from expacti import (
    CommandDeniedException,
    Decision,
    ExpactiClient,
    ExpactiConnectionError,
    Progress,
    _client,
)
from peer import TOKEN, Peer, accepted, decision, fake_server, send, wait_for

SRC = Path(__file__).resolve().parents[1] / "src"


def loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "expacti-client"]


async def approve_each(peer: Peer, ws: ServerConnection) -> None:
    while True:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit))
        state = "denied" if submit["command"].startswith("rm") else "approved"
        await send(ws, decision(submit, state))


def test_creating_a_client_starts_nothing_and_connects_nowhere() -> None:
    before = loop_threads()
    client = ExpactiClient(url="ws://127.0.0.1:9/shell/ws", token=TOKEN)
    assert loop_threads() == before
    client.close()
    client.close()


async def test_run_and_close() -> None:
    async with fake_server(approve_each) as peer:
        client = ExpactiClient(url=peer.url, token=TOKEN)
        result = await asyncio.to_thread(client.run, "echo hello from agent", timeout=2)
        assert result.approved
        [thread] = [t for t in loop_threads() if t.is_alive()]
        assert thread.daemon
        await asyncio.to_thread(client.close)
        assert not thread.is_alive()
        with pytest.raises(ExpactiConnectionError, match="client closed"):
            await asyncio.to_thread(client.run, "ls")


async def test_denial_raises_in_the_calling_thread() -> None:
    def agent(url: str) -> tuple[CommandDeniedException, Decision, threading.Thread]:
        with ExpactiClient(url=url, token=TOKEN) as client:
            with pytest.raises(CommandDeniedException) as info:
                client.run("rm -rf /srv")
            result = client.run("rm -rf /tmp/x", raise_on_deny=False)
            [thread] = [t for t in loop_threads() if t.is_alive()]
        return info.value, result, thread

    async with fake_server(approve_each) as peer:
        denied, result, thread = await asyncio.to_thread(agent, peer.url)
    assert (denied.reviewer, denied.command) == ("alice", "rm -rf /srv")
    assert (result.approved, result.decision) == (False, "denied")
    assert not thread.is_alive()  # the with block closed the client


async def test_on_progress_is_called_for_a_blocking_run() -> None:
    async def partial(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        pending = accepted(submit)
        await send(ws, pending)
        progress = {"type": "progress", "request_id": submit["request_id"], "command_id": "cmd_1"}
        progress |= {"approvals": 1, "required": 2, "approvers": ["alice"], "escalated": False}
        await send(ws, progress | {"expires_at": pending["expires_at"]})
        await send(ws, decision(submit, reviewer="bob", approvers=["alice", "bob"]))

    seen: list[Progress] = []
    async with fake_server(partial) as peer:
        client = ExpactiClient(url=peer.url, token=TOKEN)
        try:
            result = await asyncio.to_thread(client.run, "make deploy", on_progress=seen.append)
        finally:
            await asyncio.to_thread(client.close)
    assert [(p.approvals, p.approvers) for p in seen] == [(1, ("alice",))]
    assert result.approvers == ("alice", "bob")


async def test_many_threads_share_one_client() -> None:
    commands = [f"echo {i}" for i in range(8)]
    async with fake_server(approve_each) as peer:
        client = ExpactiClient(url=peer.url, token=TOKEN)
        try:
            results = await asyncio.gather(*(asyncio.to_thread(client.run, c) for c in commands))
        finally:
            await asyncio.to_thread(client.close)
    assert [r.command for r in results] == commands
    assert len({r.request_id for r in results}) == len(commands)
    assert peer.connections == 1


async def test_close_fails_a_run_waiting_in_another_thread() -> None:
    async def hold(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit))
        await peer.recv(ws)

    async with fake_server(hold) as peer:
        client = ExpactiClient(url=peer.url, token=TOKEN)
        waiting = asyncio.ensure_future(asyncio.to_thread(client.run, "sleep"))
        await wait_for(peer.got_submit)
        await asyncio.to_thread(client.close)
        with pytest.raises(ExpactiConnectionError, match="client closed"):
            await waiting
        await wait_for(peer.got_cancel)


async def test_quickstart_exits_without_close() -> None:
    async with fake_server(approve_each) as peer:
        quickstart = (
            "from expacti import ExpactiClient\n"
            f"c = ExpactiClient(url={peer.url!r}, token={TOKEN!r})\n"
            "d = c.run('echo hello from agent')\n"
            "print('approved:', d.approved)\n"
        )
        # The bound only keeps a hanging interpreter from hanging the suite.
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-c", quickstart],
            env={"PYTHONPATH": str(SRC)},
            capture_output=True,
            timeout=20,
        )
    assert (done.returncode, done.stdout, done.stderr) == (0, b"approved: True\n", b"")


async def test_a_client_nobody_closed_closes_its_socket_and_thread_when_collected() -> None:
    closed = asyncio.Event()

    async def hold(peer: Peer, ws: ServerConnection) -> None:
        await ws.wait_closed()
        closed.set()

    async with fake_server(hold) as peer:
        client = ExpactiClient(url=peer.url, token=TOKEN)
        await asyncio.to_thread(client.connect)
        thread = client._thread
        assert thread is not None
        del client
        gc.collect()
        await wait_for(closed)
        await asyncio.to_thread(thread.join, 5)  # the bound only stops a broken test
        assert not thread.is_alive()
    assert peer.close_codes == [1000]


async def test_close_returns_even_when_the_loop_is_wedged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_client, "_CLOSE_WAIT", 0.05)
    monkeypatch.setattr(_client, "_SHUTDOWN_TIMEOUT", 0.05)
    async with fake_server(approve_each) as peer:
        client = ExpactiClient(url=peer.url, token=TOKEN)
        await asyncio.to_thread(client.connect)
        loop, thread = client._loop, client._thread
        assert loop is not None
        assert thread is not None
        release = threading.Event()
        loop.call_soon_threadsafe(release.wait)  # something blocks the loop
        try:
            # The bound only stops a close() that hangs from hanging the suite.
            await asyncio.wait_for(asyncio.to_thread(client.close), 10)
        finally:
            release.set()
        await asyncio.to_thread(thread.join, 5)
        assert not thread.is_alive()


async def test_a_run_close_had_to_cancel_raises_client_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run() that does not see "client closed" in time is cancelled: still an ExpactiError."""
    monkeypatch.setattr(_client, "_SHUTDOWN_TIMEOUT", 0.05)
    sending = threading.Event()

    async def stuck(message: str) -> None:  # a send that never returns
        sending.set()
        await asyncio.Future()

    async with fake_server(approve_each) as peer:
        client = ExpactiClient(url=peer.url, token=TOKEN)
        await asyncio.to_thread(client.connect)
        conn = client._client._conn
        assert conn is not None
        monkeypatch.setattr(conn.ws, "send", stuck)
        waiting = asyncio.ensure_future(asyncio.to_thread(client.run, "sleep"))
        await asyncio.to_thread(sending.wait, 5)
        await asyncio.to_thread(client.close)
        with pytest.raises(ExpactiConnectionError, match="client closed"):
            await waiting
