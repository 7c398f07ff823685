"""Faults: oversize frames, clients that never read, many agents, SIGKILL and restart."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
from collections.abc import AsyncIterator
from contextlib import suppress

import httpx
import pytest
import websockets
from websockets.client import ClientProtocol
from websockets.uri import parse_uri

from expacti_server.db.engine import Database
from tests.conftest import DatabaseFactory
from tests.support.agent import RawAgent
from tests.support.factories import OrgTokens, make_agent_token, make_org
from tests.support.server import ServerProcess


async def test_an_oversize_frame_closes_only_that_connection(
    server: ServerProcess, org: OrgTokens
) -> None:
    bystander = await RawAgent.connect(server.ws_url, org.agent_token)
    offender = await RawAgent.connect(server.ws_url, org.agent_token)
    await offender.send(json.dumps({"type": "ping", "nonce": "x" * 2_000_000}))
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await offender.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009
    assert (await bystander.submit("f-1", "echo still here"))["type"] == "accepted"
    await bystander.close()


def _stalled_agent(url: str, token: str) -> socket.socket:
    """A WebSocket client on a raw socket with a tiny receive buffer that never reads."""
    protocol = ClientProtocol(parse_uri(url))
    request = protocol.connect()
    request.headers["Authorization"] = f"Bearer {token}"
    protocol.send_request(request)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    uri = parse_uri(url)
    sock.connect((uri.host, uri.port))
    sock.sendall(b"".join(protocol.data_to_send()))
    protocol.receive_data(sock.recv(4096))  # the handshake response only
    nonce = "n" * 60_000
    sock.settimeout(2)
    try:
        for _ in range(300):  # up to ~18 MB of pongs that it will never read
            protocol.send_text(json.dumps({"type": "ping", "nonce": nonce}).encode())
            sock.sendall(b"".join(protocol.data_to_send()))
    except TimeoutError:
        pass  # the server stopped reading from us: its buffers towards us are full
    return sock


async def test_a_client_that_never_reads_is_dropped_and_others_are_served(
    databases: DatabaseFactory,
) -> None:
    server = databases.server(EXPACTI_SEND_TIMEOUT_SECONDS="1").start()
    database = Database(server.database_url)
    try:
        org = await make_org(database)
        stalled = await asyncio.to_thread(_stalled_agent, server.ws_url, org.agent_token)
        healthy = await RawAgent.connect(server.ws_url, org.agent_token)
        accepted = await healthy.submit("f-2", "echo served")
        assert accepted["type"] == "accepted"
        async with httpx.AsyncClient(base_url=server.http_url) as http:
            approve = await http.post(
                f"/api/v1/commands/{accepted['command_id']}/approve",
                headers=org.reviewer_headers(),
            )
            assert approve.status_code == 200
            assert (await healthy.recv())["approved"] is True
            for _ in range(100):
                if "slow_agent_disconnected" in server.log():
                    break
                await asyncio.sleep(0.1)
            assert "slow_agent_disconnected" in server.log()
            assert (await http.get("/readyz")).status_code == 200
        assert (await healthy.submit("f-3", "echo still served"))["type"] == "accepted"
        await healthy.close()
        stalled.close()
    finally:
        await database.dispose()
        server.stop()


async def test_a_hundred_agents_at_once(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    await http.post(
        "/api/v1/whitelist",
        json={"pattern": "echo ok-*", "type": "glob"},
        headers=org.reviewer_headers(),
    )
    tokens = await asyncio.gather(
        *(make_agent_token(server_db, org, f"swarm-{n}") for n in range(100))
    )
    agents = await asyncio.gather(*(RawAgent.connect(server.ws_url, t) for t in tokens))

    async def one(number: int, agent: RawAgent) -> dict[str, object]:
        if number % 2:
            return await agent.submit(f"swarm-{number}", f"echo ok-{number}")
        accepted = await agent.submit(f"swarm-{number}", f"deploy shard-{number}")
        assert accepted["type"] == "accepted"
        verb = "approve" if number % 4 == 0 else "deny"
        await http.post(
            f"/api/v1/commands/{accepted['command_id']}/{verb}", headers=org.reviewer_headers()
        )
        return await agent.recv()

    decisions = await asyncio.gather(*(one(n, a) for n, a in enumerate(agents)))
    for number, decision in enumerate(decisions):
        assert decision["type"] == "decision"
        expected = "approved" if number % 2 or number % 4 == 0 else "denied"
        assert decision["decision"] == expected, number
        assert decision["whitelisted"] is bool(number % 2)
    await asyncio.gather(*(a.close() for a in agents))


async def test_sigkill_loses_nothing_and_pending_commands_resume(
    databases: DatabaseFactory,
) -> None:
    server = databases.server().start()
    database = Database(server.database_url)
    try:
        org = await make_org(database)
        agent = await RawAgent.connect(server.ws_url, org.agent_token)
        pending = await agent.submit("k-pending", "terraform apply")
        expiring = await agent.submit("k-expiring", "kubectl apply -f x.yaml", timeout_seconds=2)
        decided_ids = []
        worker = await RawAgent.connect(server.ws_url, org.agent_token)
        async with httpx.AsyncClient(base_url=server.http_url) as http:
            for n in range(20):
                accepted = await worker.submit(f"k-{n}", f"deploy {n}")
                verb = "approve" if n % 2 else "deny"
                response = await http.post(
                    f"/api/v1/commands/{accepted['command_id']}/{verb}",
                    headers=org.reviewer_headers(),
                )
                assert response.status_code == 200
                assert (await worker.recv())["type"] == "decision"
                decided_ids.append((accepted["command_id"], verb))
        server.kill(signal.SIGKILL)
        await asyncio.sleep(2.5)  # the expiring command's deadline passes while down
        server.start()

        async with httpx.AsyncClient(base_url=server.http_url) as http:
            for command_id, verb in decided_ids:
                body = (
                    await http.get(f"/api/v1/commands/{command_id}", headers=org.reviewer_headers())
                ).json()
                assert body["status"] == ("approved" if verb == "approve" else "denied")
                trail = (
                    await http.get(
                        "/api/v1/audit",
                        params={"command_id": command_id},
                        headers=org.reviewer_headers(),
                    )
                ).json()["items"]
                assert [e["action"] for e in trail] == ["command.decided", "command.submitted"]

            again = await RawAgent.connect(server.ws_url, org.agent_token)
            resumed = await again.submit("k-pending", "terraform apply")
            assert (resumed["type"], resumed["resumed"]) == ("accepted", True)
            assert resumed["command_id"] == pending["command_id"]
            await http.post(
                f"/api/v1/commands/{pending['command_id']}/approve",
                headers=org.reviewer_headers(),
            )
            assert (await again.recv())["approved"] is True

            timed_out = await http.get(
                f"/api/v1/commands/{expiring['command_id']}",
                params={"wait": 10},
                headers=org.reviewer_headers(),
            )
            assert timed_out.json()["status"] == "timed_out"
            await again.close()
    finally:
        await database.dispose()
        server.stop()


async def test_an_oversized_http_body_is_refused_before_authentication(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    declared = await http.post("/api/v1/commands", content=b"x" * (2 << 20))
    assert declared.status_code == 413
    assert declared.json()["error"]["code"] == "payload_too_large"

    # Streamed with no Content-Length: the limit is counted while reading.
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"y" * 65536

    streamed = await http.post("/api/v1/commands", content=chunks())
    assert streamed.status_code == 413
    assert (await http.get("/healthz")).status_code == 200


async def test_a_deeply_nested_frame_is_an_invalid_frame(
    server: ServerProcess, org: OrgTokens
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    deep = '{"type": "submit", "request_id": "deep", "command": "ls", "context": ' + (
        '{"a": ' * 5000 + "1" + "}" * 5000 + "}"
    )
    await agent.send(deep)
    reply = await agent.recv()
    assert (reply["type"], reply["code"]) == ("error", "invalid_frame")
    assert (await agent.submit("after-deep", "echo fine"))["type"] == "accepted"
    await agent.close()


async def test_a_revoked_token_stops_working_on_an_open_socket(
    server: ServerProcess, org: OrgTokens, server_db: Database, http: httpx.AsyncClient
) -> None:
    from sqlalchemy import select

    from expacti_server.identity.models import Credential
    from expacti_server.identity.secrets import hash_secret
    from expacti_server.identity.service import revoke_credential

    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    assert (await agent.submit("rv-1", "echo before"))["type"] == "accepted"
    async with server_db.write() as conn:
        credential_id = await conn.scalar(
            select(Credential.id).where(Credential.secret_hash == hash_secret(org.agent_token))
        )
        assert credential_id is not None
        await revoke_credential(conn, credential_id=credential_id)
    # A busy agent: it keeps submitting until the socket's re-check (every 5 s) refuses it.
    reply: dict[str, object] = {"type": "accepted"}
    for attempt in range(200):
        with suppress(websockets.ConnectionClosed):  # closed already: its error frame waits
            await agent.send({"type": "submit", "request_id": f"rv-busy-{attempt}", "command": "x"})
        reply = await agent.recv()
        if reply["type"] != "accepted":
            break
        await asyncio.sleep(0.1)
    assert (reply["type"], reply.get("code")) == ("error", "unauthenticated")
    with pytest.raises(websockets.ConnectionClosed):
        await agent.recv()
    # The error answers no particular submit: the last one may have been stored just
    # before the re-check, which is the documented window of at most 5 s.
    listing = await http.get("/api/v1/commands", headers=org.reviewer_headers())
    stored = {i["request_id"] for i in listing.json()["items"]}
    assert stored <= {"rv-1"} | {f"rv-busy-{n}" for n in range(attempt + 1)}
    assert "rv-1" in stored


async def test_a_silent_agent_waiting_for_a_decision_is_cut_off_when_its_token_is_revoked(
    server: ServerProcess, org: OrgTokens, server_db: Database, http: httpx.AsyncClient
) -> None:
    from sqlalchemy import select

    from expacti_server.identity.models import Credential
    from expacti_server.identity.secrets import hash_secret
    from expacti_server.identity.service import revoke_credential

    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await agent.submit("rv-silent", "echo waiting")
    assert accepted["type"] == "accepted"
    async with server_db.write() as conn:
        credential_id = await conn.scalar(
            select(Credential.id).where(Credential.secret_hash == hash_secret(org.agent_token))
        )
        assert credential_id is not None
        await revoke_credential(conn, credential_id=credential_id)
    # The agent sends nothing more: the socket's own re-check (every 5 s) must notice.
    reply = await agent.recv(timeout=30)
    assert (reply["type"], reply["code"]) == ("error", "unauthenticated")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await agent.recv(timeout=30)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008
    # A reviewer's approval after that reaches nobody: the socket is gone.
    command_id = accepted["command_id"]
    approved = await http.post(
        f"/api/v1/commands/{command_id}/approve", headers=org.reviewer_headers()
    )
    assert approved.status_code in (200, 409)
