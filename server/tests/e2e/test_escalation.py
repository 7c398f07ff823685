"""Timeouts and escalation: a timeout never approves; escalate tells the next tier and
extends once, then denies; every screen hears of a timeout."""

from __future__ import annotations

import time
from typing import Any

import httpx

from expacti_server.db.engine import Database
from expacti_server.identity.roles import ReviewerRole
from tests.support.agent import RawAgent
from tests.support.factories import OrgTokens, make_reviewer_token
from tests.support.reviewer import ReviewerScreen
from tests.support.server import ServerProcess


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ws_base(server: ServerProcess) -> str:
    return f"ws://127.0.0.1:{server.port}"


async def next_frame(agent: RawAgent, kind: str, timeout: float = 10) -> dict[str, Any]:
    while True:
        frame = await agent.recv(timeout)
        if frame["type"] == kind:
            return frame


async def test_escalate_alerts_the_next_tier_extends_once_then_denies(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    changed = await http.patch(
        "/api/v1/org", json={"timeout_action": "escalate"}, headers=org.reviewer_headers()
    )
    assert changed.json()["timeout_action"] == "escalate"
    bob = await make_reviewer_token(server_db, org, "bob", ReviewerRole.REVIEWER)
    carol = await make_reviewer_token(server_db, org, "carol", ReviewerRole.SENIOR)
    bob_screen = await ReviewerScreen.open(ws_base(server), headers=bearer(bob))
    carol_screen = await ReviewerScreen.open(ws_base(server), headers=bearer(carol))
    agent = await RawAgent.connect(server.ws_url, org.agent_token)

    started = time.monotonic()
    accepted = await agent.submit("e-1", "systemctl restart web", timeout_seconds=2)
    command_id = accepted["command_id"]
    await bob_screen.next_of("pending", command_id)

    alert = await carol_screen.next_of("escalated", command_id, timeout=10)
    assert alert["tier"] == "senior"
    assert alert["command"]["escalated_at"]
    escalated_after = time.monotonic() - started
    assert escalated_after >= 1.9  # not before the first deadline
    refreshed = await bob_screen.next_of("pending", command_id)  # bob sees the new deadline
    assert refreshed["command"]["expires_at"] > accepted["expires_at"]
    progress = await next_frame(agent, "progress")
    assert progress["escalated"] is True
    assert progress["expires_at"] > accepted["expires_at"]

    decision = await next_frame(agent, "decision", timeout=10)
    assert decision["decision"] == "timed_out"
    assert decision["approved"] is False
    assert time.monotonic() - started >= 3.9  # extended once by the same two seconds
    # Every screen hears of the timeout.
    for screen in (bob_screen, carol_screen):
        gone = await screen.next_of("decided", command_id)
        assert gone["command"]["status"] == "timed_out"

    trail = await http.get(f"/api/v1/commands/{command_id}/audit", headers=org.reviewer_headers())
    actions = [e["action"] for e in trail.json()["items"]]
    assert actions.index("command.escalated") < actions.index("command.decided")
    for screen in (bob_screen, carol_screen):
        await screen.close()
    await agent.close()


async def test_a_decision_during_the_extension_counts(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    await http.patch(
        "/api/v1/org", json={"timeout_action": "escalate"}, headers=org.reviewer_headers()
    )
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    command_id = (await agent.submit("e-2", "make migrate", timeout_seconds=1))["command_id"]
    progress = await next_frame(agent, "progress")
    assert progress["escalated"] is True
    approved = await http.post(
        f"/api/v1/commands/{command_id}/approve", headers=org.reviewer_headers()
    )
    assert approved.json()["status"] == "approved"
    assert (await next_frame(agent, "decision"))["approved"] is True
    await agent.close()


async def test_by_default_a_timeout_denies_without_extension(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    started = time.monotonic()
    command_id = (await agent.submit("e-3", "make migrate", timeout_seconds=1))["command_id"]
    first = await agent.recv()  # nothing comes between the accepted frame and the decision
    assert first["type"] == "decision"
    assert first["decision"] == "timed_out"
    assert time.monotonic() - started < 5
    late = await http.post(f"/api/v1/commands/{command_id}/approve", headers=org.reviewer_headers())
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "already_decided"
    await agent.close()


async def test_timeout_action_is_validated(org: OrgTokens, http: httpx.AsyncClient) -> None:
    bad = await http.patch(
        "/api/v1/org", json={"timeout_action": "approve"}, headers=org.reviewer_headers()
    )
    assert bad.status_code == 422
    org_now = await http.get("/api/v1/org", headers=org.reviewer_headers())
    assert org_now.json()["timeout_action"] == "deny"
