"""A scripted stand-in for the expacti server: real WebSockets on 127.0.0.1, protocol v1.

Each test passes a script, ``async def script(peer, ws)``, that plays the server's side of
one connection after the handshake and the ``hello``; the peer records every frame the
client sent.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

TOKEN = "agent-token-1"

Script = Callable[["Peer", ServerConnection], Awaitable[None]]


class Peer:
    """What the fake server saw: handshakes, connections, frames."""

    def __init__(
        self, script: Script, *, refuse: int | None, hello: dict[str, Any] | None = None
    ) -> None:
        self.script = script
        self.refuse = refuse
        self.hello = HELLO if hello is None else hello
        self.url = ""
        self.handshakes = 0
        self.connections = 0
        self.open_now = 0
        self.most_open = 0  # the most connections open at the same time
        self.close_codes: list[int | None] = []  # what each connection was closed with
        self.received: list[dict[str, Any]] = []
        self.errors: list[BaseException] = []
        self.got_cancel = asyncio.Event()
        self.got_submit = asyncio.Event()
        self.retried = asyncio.Event()  # a second handshake arrived
        self.got_exec_end = asyncio.Event()

    @property
    def submits(self) -> list[dict[str, Any]]:
        return [frame for frame in self.received if frame.get("type") == "submit"]

    @property
    def exec_frames(self) -> list[dict[str, Any]]:
        """Every ``exec_start``, ``exec_output`` and ``exec_end`` received, in order."""
        return [f for f in self.received if str(f.get("type", "")).startswith("exec_")]

    def stored(self) -> list[dict[str, Any]]:
        """The numbered exec frames as a server stores them: the first of each seq."""
        frames: dict[int, dict[str, Any]] = {}
        for frame in self.exec_frames:
            if "seq" in frame:
                frames.setdefault(frame["seq"], frame)
        return [frames[seq] for seq in sorted(frames)]

    def events(self, code: str = "o") -> list[list[Any]]:
        """The stored events with ``code``."""
        return [
            event
            for frame in self.stored()
            if frame["type"] == "exec_output"
            for event in frame["events"]
            if event[1] == code
        ]

    def output(self) -> str:
        """The concatenated data of the stored ``o`` events: what a recording would hold."""
        return "".join(event[2] for event in self.events("o"))

    async def recv(self, ws: ServerConnection) -> dict[str, Any]:
        """The next frame from the client, recorded."""
        frame: dict[str, Any] = json.loads(await ws.recv())
        self.received.append(frame)
        if frame.get("type") == "submit":
            self.got_submit.set()
        elif frame.get("type") == "cancel":
            self.got_cancel.set()
        elif frame.get("type") == "exec_end":
            self.got_exec_end.set()
        return frame

    def check_auth(self, ws: ServerConnection, request: Request) -> Response | None:
        self.handshakes += 1
        if self.handshakes > 1:
            self.retried.set()
        status = self.refuse
        if status is None and request.headers.get("Authorization") != f"Bearer {TOKEN}":
            status = 401
        if status is None:
            return None
        code = "unauthenticated" if status == 401 else "forbidden"
        body = {"error": {"code": code, "message": f"{code} token", "details": {}}}
        return ws.respond(status, json.dumps(body))

    async def handle(self, ws: ServerConnection) -> None:
        self.connections += 1
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        try:
            await ws.send(json.dumps(self.hello))
            await self.script(self, ws)
            await ws.wait_closed()
        except ConnectionClosed:
            pass
        except Exception as exc:  # surfaced by fake_server() when the test ends
            self.errors.append(exc)
            raise
        finally:
            self.open_now -= 1
            self.close_codes.append(ws.close_code)


@asynccontextmanager
async def fake_server(
    script: Script, *, refuse: int | None = None, hello: dict[str, Any] | None = None
) -> AsyncIterator[Peer]:
    """Serve ``script`` on a free loopback port; ``refuse`` answers every handshake so.

    ``hello`` replaces the ``hello`` frame every connection starts with.
    """
    peer = Peer(script, refuse=refuse, hello=hello)
    async with serve(peer.handle, "127.0.0.1", 0, process_request=peer.check_auth) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        peer.url = f"ws://127.0.0.1:{port}/shell/ws"
        yield peer
    assert not peer.errors, peer.errors


HELLO: dict[str, Any] = {
    "type": "hello",
    "protocol": "v1",
    "server": "fake/0",
    "agent": {"id": "agt_1", "name": "test-agent"},
    "org": {"id": "org_1", "name": "test"},
    "limits": {"max_frame_bytes": 1_048_576, "timeout_seconds": 60},
}


def accepted(
    submit: dict[str, Any],
    *,
    command_id: str = "cmd_1",
    resumed: bool = False,
    expires_in: float = 60,
) -> dict[str, Any]:
    expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
    return {
        "type": "accepted",
        "request_id": submit["request_id"],
        "command_id": command_id,
        "status": "pending",
        "expires_at": expires_at.isoformat().replace("+00:00", "Z"),
        "resumed": resumed,
    }


def decision(
    submit: dict[str, Any], state: str = "approved", *, command_id: str = "cmd_1", **fields: Any
) -> dict[str, Any]:
    frame = {
        "type": "decision",
        "request_id": submit["request_id"],
        "command_id": command_id,
        "approved": state == "approved",
        "decision": state,
        "latency_ms": 12.5,
        "reviewer": "alice" if state in ("approved", "denied") else None,
        "notes": None,
        "whitelisted": False,
        "rule_id": None,
        "risk_score": 10,
        "anomalies": [],
    }
    frame.update(fields)
    return frame


async def send(ws: ServerConnection, frame: dict[str, Any]) -> None:
    await ws.send(json.dumps(frame))


async def wait_for(event: asyncio.Event) -> None:
    """Wait for something the peer will see; the bound only stops a broken test from hanging."""
    await asyncio.wait_for(event.wait(), timeout=5)


def exec_ack(
    frame: dict[str, Any],
    *,
    seq: int | None = None,
    recording_id: str = "rec_1",
    capture_input: bool = False,
) -> dict[str, Any]:
    """The server's ``exec_ack`` of ``frame`` (its own seq, 0 for ``exec_start``)."""
    return {
        "type": "exec_ack",
        "command_id": frame["command_id"],
        "seq": frame.get("seq", 0) if seq is None else seq,
        "recording_id": recording_id,
        "capture_input": capture_input,
    }


async def ack_execution(peer: Peer, ws: ServerConnection, *, capture_input: bool = False) -> None:
    """Acknowledge every execution frame, as the server does, until the connection ends."""
    while True:
        frame = await peer.recv(ws)
        if str(frame.get("type", "")).startswith("exec_"):
            await send(ws, exec_ack(frame, capture_input=capture_input))


def approve_and_record(**fields: Any) -> Script:
    """A script: approve each submit (with ``fields`` in the decision), ack executions."""

    async def script(peer: Peer, ws: ServerConnection) -> None:
        while True:
            frame = await peer.recv(ws)
            if frame["type"] == "submit":
                await send(ws, accepted(frame))
                await send(ws, decision(frame, **fields))
            elif frame["type"].startswith("exec_"):
                await send(ws, exec_ack(frame))

    return script
