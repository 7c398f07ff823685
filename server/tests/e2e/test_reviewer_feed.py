"""The reviewer WebSocket: snapshot, live pending/decided frames, origin and session checks."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
import websockets
from sqlalchemy import select

from expacti_server.db.engine import Database
from expacti_server.identity.models import Credential
from expacti_server.identity.secrets import hash_secret
from expacti_server.identity.service import revoke_credential
from tests.support.agent import RawAgent
from tests.support.factories import OrgTokens, make_org
from tests.support.reviewer import CSRF, ReviewerScreen, sign_in
from tests.support.server import ServerProcess


def ws_base(server: ServerProcess) -> str:
    return f"ws://127.0.0.1:{server.port}"


async def test_a_new_command_is_pushed_then_leaves_when_decided(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    early = await agent.submit("f-1", "echo queued before the screen opened")
    cookie = await sign_in(http, org.reviewer_token)
    screen = await ReviewerScreen.open(ws_base(server), cookie=cookie)
    assert [c["id"] for c in screen.snapshot["commands"]] == [early["command_id"]]
    assert screen.snapshot["server_time"]

    started = time.perf_counter()
    accepted = await agent.submit(
        "f-2",
        "kubectl get pods && rm -rf /tmp/cache",
        target="prod-eu",
        session={"id": "s1", "goal": "clean up", "steps": ["look", "clean"], "current_step": 1},
    )
    pushed = await screen.next_of("pending", accepted["command_id"])
    assert time.perf_counter() - started < 5  # a generous bound; the real figure is ms
    card = pushed["command"]
    assert card["parts"] == ["kubectl get pods", "rm -rf /tmp/cache"]
    assert (card["target"], card["agent"]["name"]) == ("prod-eu", "agent-1")
    assert card["session"]["goal"] == "clean up"
    assert card["risk_score"] > 0
    assert card["anomalies"]
    assert card["status"] == "pending"

    decided = await http.post(
        f"/api/v1/commands/{accepted['command_id']}/deny",
        json={"note": "not today"},
        headers=org.reviewer_headers(),
    )
    assert decided.status_code == 200
    gone = await screen.next_of("decided", accepted["command_id"])
    assert (gone["command"]["status"], gone["command"]["reviewer"]) == ("denied", "alice")
    await screen.close()
    await agent.close()


async def test_every_open_screen_of_the_org_and_only_that_org_hears_of_it(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    other = await make_org(server_db)
    mine = [
        await ReviewerScreen.open(ws_base(server), headers=org.reviewer_headers()) for _ in range(2)
    ]
    theirs = await ReviewerScreen.open(ws_base(server), headers=other.reviewer_headers())
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await agent.submit("f-3", "make deploy")
    for screen in mine:
        await screen.next_of("pending", accepted["command_id"])
    with pytest.raises(TimeoutError):
        await theirs.recv(timeout=0.5)
    for screen in (*mine, theirs):
        await screen.close()
    await agent.close()


async def test_a_screen_answers_pings_and_ignores_junk(
    server: ServerProcess, org: OrgTokens
) -> None:
    screen = await ReviewerScreen.open(ws_base(server), headers=org.reviewer_headers())
    await screen.ws.send("not json")
    await screen.ws.send("x" * 5000)
    await screen.ws.send('{"type": "ping"}')
    assert await screen.recv() == {"type": "pong"}
    await screen.close()


async def test_the_handshake_refuses_strangers_agents_and_foreign_origins(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    url = f"{ws_base(server)}/api/v1/reviewer/ws"
    with pytest.raises(websockets.InvalidStatus) as nobody:
        await websockets.connect(url)
    assert nobody.value.response.status_code == 401
    with pytest.raises(websockets.InvalidStatus) as agent:
        await websockets.connect(url, additional_headers=org.agent_headers())
    assert agent.value.response.status_code == 403
    cookie = await sign_in(http, org.reviewer_token)
    with pytest.raises(websockets.InvalidStatus) as foreign:
        await websockets.connect(
            url,
            additional_headers={
                "Cookie": f"expacti_session={cookie}",
                "Origin": "https://evil.example",
            },
        )
    assert foreign.value.response.status_code == 403
    for origin in ("null", "file://", f"http://127.0.0.1:{server.port + 1}"):
        with pytest.raises(websockets.InvalidStatus) as odd:
            await websockets.connect(
                url,
                additional_headers={"Cookie": f"expacti_session={cookie}", "Origin": origin},
            )
        assert odd.value.response.status_code == 403, origin
    same_origin = await ReviewerScreen.open(
        ws_base(server), cookie=cookie, headers={"Origin": f"http://127.0.0.1:{server.port}"}
    )
    await same_origin.close()


async def test_signing_out_or_revoking_closes_an_open_screen(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    cookie = await sign_in(http, org.reviewer_token)
    signed_out = await ReviewerScreen.open(ws_base(server), cookie=cookie)
    await http.delete("/api/v1/session", headers={"Cookie": f"expacti_session={cookie}", **CSRF})
    by_token = await ReviewerScreen.open(ws_base(server), headers=org.reviewer_headers())
    async with server_db.write() as conn:
        credential_id = await conn.scalar(
            select(Credential.id).where(Credential.secret_hash == hash_secret(org.reviewer_token))
        )
        assert credential_id is not None
        await revoke_credential(conn, credential_id=credential_id)
    for screen in (signed_out, by_token):
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await screen.recv(timeout=8)  # re-checked every 5 s
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4401


async def test_the_audit_trail_of_a_command_says_who_was_shown_it_and_who_decided(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    screen = await ReviewerScreen.open(ws_base(server), headers=org.reviewer_headers())
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await agent.submit("f-4", "systemctl restart nginx")
    await screen.next_of("pending", accepted["command_id"])
    await asyncio.sleep(0.3)  # the notified note is written off the submit path
    await http.post(
        f"/api/v1/commands/{accepted['command_id']}/approve", headers=org.reviewer_headers()
    )
    trail = await http.get(
        f"/api/v1/commands/{accepted['command_id']}/audit", headers=org.reviewer_headers()
    )
    assert trail.status_code == 200
    body = trail.json()
    actions = [e["action"] for e in body["items"]]
    assert actions[0] == "command.submitted"
    assert "command.notified" in actions
    assert actions[-1] == "command.decided"
    assert body["items"][-1]["data"]["decision"] == "approved"
    notified = next(e for e in body["items"] if e["action"] == "command.notified")
    assert notified["data"] == {"channel": "web", "screens": 1}
    assert body["items"][-1]["actor_name"] == "alice"
    assert body["latency_ms"] is not None
    assert body["latency_ms"] > 0
    missing = await http.get("/api/v1/commands/cmd_nope/audit", headers=org.reviewer_headers())
    assert missing.status_code == 404
    await screen.close()
    await agent.close()
