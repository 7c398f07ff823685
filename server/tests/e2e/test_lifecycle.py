"""Approve, deny, time out, cancel, resume: the lifecycle through the real server."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.support.agent import RawAgent
from tests.support.factories import OrgTokens, make_org
from tests.support.server import ServerProcess


async def pending_id(http: httpx.AsyncClient, org: OrgTokens, command: str) -> str:
    """Wait until ``command`` shows up in the reviewer's pending list; return its id."""
    for _ in range(200):
        response = await http.get(
            "/api/v1/commands", params={"status": "pending"}, headers=org.reviewer_headers()
        )
        for item in response.json()["items"]:
            if item["command"] == command:
                return str(item["id"])
        await asyncio.sleep(0.02)
    raise AssertionError(f"{command!r} never became pending")


async def test_approval_reaches_the_waiting_agent(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await agent.submit("r-approve", "terraform apply", target="prod")
    assert accepted["type"] == "accepted"
    assert accepted["resumed"] is False
    response = await http.post(
        f"/api/v1/commands/{accepted['command_id']}/approve",
        json={"note": "release window"},
        headers=org.reviewer_headers(),
    )
    assert response.status_code == 200
    decision = await agent.recv()
    await agent.close()
    assert decision["type"] == "decision"
    assert decision["approved"] is True
    assert decision["decision"] == "approved"
    assert decision["reviewer"] == "alice"
    assert decision["notes"] == "release window"
    assert decision["whitelisted"] is False
    assert decision["command_id"] == accepted["command_id"]
    assert decision["latency_ms"] > 0


async def test_denial_reaches_the_waiting_agent_and_is_final(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await agent.submit("r-deny", "rm -rf /var/lib/postgresql")
    command_id = accepted["command_id"]
    denied = await http.post(
        f"/api/v1/commands/{command_id}/deny", json={"note": "no"}, headers=org.reviewer_headers()
    )
    assert denied.status_code == 200
    decision = await agent.recv()
    assert (decision["approved"], decision["decision"], decision["notes"]) == (
        False,
        "denied",
        "no",
    )
    assert decision["risk_score"] >= 70
    assert "destructive" in decision["anomalies"]

    again = await http.post(
        f"/api/v1/commands/{command_id}/approve", headers=org.reviewer_headers()
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_decided"
    state = await http.get(f"/api/v1/commands/{command_id}", headers=org.reviewer_headers())
    assert state.json()["status"] == "denied"
    await agent.close()


async def test_no_decision_before_the_timeout_is_an_auto_deny(
    server: ServerProcess, org: OrgTokens
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await agent.submit("r-timeout", "kubectl drain node-1", timeout_seconds=1)
    assert accepted["type"] == "accepted"
    decision = await agent.recv(timeout=10)
    await agent.close()
    assert decision["decision"] == "timed_out"
    assert decision["approved"] is False
    assert decision["notes"] == "no decision within 1 s"


async def test_the_org_policy_caps_the_timeout(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    for bad in (29, 601):
        refused = await http.patch(
            "/api/v1/org", json={"timeout_seconds": bad}, headers=org.reviewer_headers()
        )
        assert refused.status_code == 422
    changed = await http.patch(
        "/api/v1/org", json={"timeout_seconds": 30}, headers=org.reviewer_headers()
    )
    assert changed.json()["timeout_seconds"] == 30
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await agent.submit("r-cap", "make deploy", timeout_seconds=600)
    await agent.close()
    state = await http.get(
        f"/api/v1/commands/{accepted['command_id']}", headers=org.reviewer_headers()
    )
    body = state.json()
    from datetime import datetime

    waited = datetime.fromisoformat(body["expires_at"]) - datetime.fromisoformat(body["created_at"])
    assert waited.total_seconds() == 30


async def test_an_agent_cancel_withdraws_the_command(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await agent.submit("r-cancel", "helm upgrade api")
    await agent.send({"type": "cancel", "request_id": "r-cancel", "reason": "deadline"})
    decision = await agent.recv()
    assert (decision["decision"], decision["notes"]) == ("cancelled", "deadline")
    late = await http.post(
        f"/api/v1/commands/{accepted['command_id']}/approve", headers=org.reviewer_headers()
    )
    assert late.status_code == 409
    # Cancelling a decided command answers with the decision that stands.
    await agent.send({"type": "cancel", "command_id": accepted["command_id"]})
    assert (await agent.recv())["decision"] == "cancelled"
    await agent.close()


async def test_a_reconnecting_agent_resumes_by_request_id_without_a_duplicate(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    first = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await first.submit("r-resume", "systemctl restart nginx")
    await first.close()

    second = await RawAgent.connect(server.ws_url, org.agent_token)
    resumed = await second.submit("r-resume", "systemctl restart nginx")
    assert resumed["type"] == "accepted"
    assert resumed["resumed"] is True
    assert resumed["command_id"] == accepted["command_id"]
    await http.post(
        f"/api/v1/commands/{accepted['command_id']}/approve", headers=org.reviewer_headers()
    )
    assert (await second.recv())["approved"] is True
    # Re-sending after the decision gets the decision at once.
    third = await second.submit("r-resume", "systemctl restart nginx")
    assert (third["type"], third["approved"]) == ("decision", True)
    await second.close()
    listing = await http.get("/api/v1/commands", headers=org.reviewer_headers())
    assert [i["request_id"] for i in listing.json()["items"]] == ["r-resume"]


async def test_a_dropped_agent_that_never_returns_is_cancelled_after_the_window(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await agent.submit("r-gone", "reboot")
    await agent.close()
    url = f"/api/v1/commands/{accepted['command_id']}"
    state = await http.get(url, params={"wait": 15}, headers=org.reviewer_headers())
    body = state.json()
    assert body["status"] == "cancelled"
    assert body["notes"] == "agent disconnected"


async def test_concurrent_approve_and_deny_exactly_one_wins(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    outcomes = []
    for round_ in range(10):
        accepted = await agent.submit(f"r-race-{round_}", f"deploy build-{round_}")
        url = f"/api/v1/commands/{accepted['command_id']}"
        results = await asyncio.gather(
            *(
                http.post(f"{url}/{verb}", headers=org.reviewer_headers())
                for verb in ("approve", "deny", "approve", "deny")
            )
        )
        codes = sorted(r.status_code for r in results)
        assert codes == [200, 409, 409, 409]
        winner = next(r.json()["status"] for r in results if r.status_code == 200)
        decision = await agent.recv()
        assert decision["decision"] == winner
        stored = (await http.get(url, headers=org.reviewer_headers())).json()["status"]
        assert stored == winner
        outcomes.append(winner)
    await agent.close()


async def test_roles_never_overlap(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await agent.submit("r-roles", "whoami")
    await agent.close()
    url = f"/api/v1/commands/{accepted['command_id']}"
    as_agent = await http.post(f"{url}/approve", headers=org.agent_headers())
    assert as_agent.status_code == 403
    assert as_agent.json()["error"]["code"] == "forbidden"
    as_reviewer = await http.post(
        "/api/v1/commands",
        json={"request_id": "x", "command": "ls"},
        headers=org.reviewer_headers(),
    )
    assert as_reviewer.status_code == 403
    with_api_key = await http.post(
        f"{url}/deny", headers={"Authorization": f"Bearer {org.api_key}"}
    )
    assert with_api_key.status_code == 200


async def test_a_reviewer_cannot_see_or_decide_another_orgs_command(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: object
) -> None:
    from expacti_server.db.engine import Database

    assert isinstance(server_db, Database)
    other = await make_org(server_db)
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await agent.submit("r-cross", "cat /etc/shadow")
    url = f"/api/v1/commands/{accepted['command_id']}"
    for attempt in (
        http.get(url, headers=other.reviewer_headers()),
        http.post(f"{url}/approve", headers=other.reviewer_headers()),
        http.post(f"{url}/deny", headers=other.reviewer_headers()),
    ):
        response = await attempt
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    still = await http.get(url, headers=org.reviewer_headers())
    assert still.json()["status"] == "pending"
    await agent.close()


async def test_invalid_tokens_are_refused_everywhere(
    server: ServerProcess, http: httpx.AsyncClient
) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = await http.get("/api/v1/commands", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"
    import websockets

    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(server.ws_url, additional_headers={"Authorization": "Bearer nope"})
    assert refused.value.response.status_code == 401


async def test_an_http_command_resumed_over_a_socket_outlives_the_socket(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    created = await http.post(
        "/api/v1/commands",
        json={"request_id": "mixed-1", "command": "make release"},
        headers=org.agent_headers(),
    )
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    resumed = await agent.submit("mixed-1", "make release")
    assert (resumed["type"], resumed["resumed"]) == ("accepted", True)
    await agent.close()
    await asyncio.sleep(3)  # past the resume window of the test server
    state = await http.get(
        f"/api/v1/commands/{created.json()['id']}", headers=org.reviewer_headers()
    )
    assert state.json()["status"] == "pending"
