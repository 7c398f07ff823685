"""The protocol over plain HTTP: submit, long-poll, cancel."""

from __future__ import annotations

import asyncio

import httpx

from tests.support.factories import OrgTokens, make_agent_token
from tests.support.server import ServerProcess


async def test_submit_then_long_poll_until_a_reviewer_decides(
    org: OrgTokens, http: httpx.AsyncClient
) -> None:
    created = await http.post(
        "/api/v1/commands",
        json={"request_id": "h-1", "command": "terraform plan", "target": "staging"},
        headers=org.agent_headers(),
    )
    assert created.status_code == 201
    command = created.json()
    assert (command["status"], command["decision"]) == ("pending", None)
    url = f"/api/v1/commands/{command['id']}"

    async def approve_soon() -> None:
        await asyncio.sleep(0.3)
        await http.post(f"{url}/approve", headers=org.reviewer_headers())

    approver = asyncio.create_task(approve_soon())
    polled = await http.get(url, params={"wait": 20}, headers=org.agent_headers())
    await approver
    decision = polled.json()["decision"]
    assert decision["approved"] is True
    assert decision["decision"] == "approved"
    assert decision["reviewer"] == "alice"
    assert set(decision) == {
        "request_id",
        "command_id",
        "approved",
        "decision",
        "latency_ms",
        "reviewer",
        "notes",
        "whitelisted",
        "rule_id",
        "risk_score",
        "anomalies",
        "command",
        "edited",
        "approvers",
    }
    assert (decision["edited"], decision["approvers"]) == (False, ["alice"])


async def test_resubmitting_a_request_id_returns_the_same_command(
    org: OrgTokens, http: httpx.AsyncClient
) -> None:
    body = {"request_id": "h-dup", "command": "make release"}
    first = await http.post("/api/v1/commands", json=body, headers=org.agent_headers())
    second = await http.post("/api/v1/commands", json=body, headers=org.agent_headers())
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    conflict = await http.post(
        "/api/v1/commands",
        json={**body, "command": "make clean"},
        headers=org.agent_headers(),
    )
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "request_id_conflict"


async def test_a_long_poll_that_ends_first_returns_the_pending_command(
    org: OrgTokens, http: httpx.AsyncClient
) -> None:
    created = await http.post(
        "/api/v1/commands",
        json={"request_id": "h-wait", "command": "sleep 1"},
        headers=org.agent_headers(),
    )
    polled = await http.get(
        f"/api/v1/commands/{created.json()['id']}",
        params={"wait": 0.2},
        headers=org.agent_headers(),
    )
    assert polled.json()["status"] == "pending"
    too_long = await http.get(
        f"/api/v1/commands/{created.json()['id']}",
        params={"wait": 3600},
        headers=org.agent_headers(),
    )
    assert too_long.status_code == 422


async def test_http_cancel_and_agent_isolation(
    org: OrgTokens, http: httpx.AsyncClient, server_db: object
) -> None:
    from expacti_server.db.engine import Database

    assert isinstance(server_db, Database)
    created = await http.post(
        "/api/v1/commands",
        json={"request_id": "h-cancel", "command": "dropdb prod"},
        headers=org.agent_headers(),
    )
    url = f"/api/v1/commands/{created.json()['id']}"
    other_agent = await make_agent_token(server_db, org, "agent-2")
    other = {"Authorization": f"Bearer {other_agent}"}
    assert (await http.get(url, headers=other)).status_code == 404
    assert (await http.post(f"{url}/cancel", headers=other)).status_code == 404
    cancelled = await http.post(
        f"{url}/cancel", json={"reason": "no longer needed"}, headers=org.agent_headers()
    )
    assert cancelled.json()["decision"]["decision"] == "cancelled"
    assert cancelled.json()["notes"] == "no longer needed"


async def test_bad_http_input_gets_a_typed_error_and_changes_nothing(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    headers = {**org.agent_headers(), "content-type": "application/json"}
    cases = [
        (b"{not json", 400, "malformed_json"),
        (b'{"request_id": "x"}', 422, "invalid_request"),
        (b'{"request_id": "x", "command": 5}', 422, "invalid_request"),
        (b'{"request_id": "has space", "command": "ls"}', 422, "invalid_request"),
        (b'{"request_id": "big", "command": "' + b"a" * 70000 + b'"}', 413, "command_too_large"),
        (b'{"request_id": "t", "command": "ls", "timeout_seconds": 0}', 422, "invalid_request"),
    ]
    for body, status, code in cases:
        response = await http.post("/api/v1/commands", content=body, headers=headers)
        assert response.status_code == status, body[:40]
        error = response.json()["error"]
        assert error["code"] == code
        assert "Traceback" not in response.text
    listing = await http.get("/api/v1/commands", headers=org.reviewer_headers())
    assert listing.json()["items"] == []
    assert (await http.get("/healthz")).status_code == 200
