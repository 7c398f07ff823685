"""Faults: oversize frames, clients that never read, many agents, SIGKILL and restart."""

from __future__ import annotations

import asyncio
import json
import signal
import socket

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
