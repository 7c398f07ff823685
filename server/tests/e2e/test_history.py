"""The history a reviewer searches: filters, full-text search, paging, conflicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from expacti_server.db.engine import Database
from tests.support.agent import RawAgent
from tests.support.factories import OrgTokens, make_agent_token
from tests.support.server import ServerProcess


async def listing(http: httpx.AsyncClient, org: OrgTokens, **params: Any) -> list[str]:
    response = await http.get("/api/v1/commands", params=params, headers=org.reviewer_headers())
    assert response.status_code == 200, response.text
    return [item["command"] for item in response.json()["items"]]


async def test_each_filter_narrows_the_history(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    await http.post(
        "/api/v1/whitelist", json={"pattern": "git status"}, headers=org.reviewer_headers()
    )
    first = await RawAgent.connect(server.ws_url, org.agent_token)
    second = await RawAgent.connect(
        server.ws_url, await make_agent_token(server_db, org, "deploy-bot")
    )
    ids: dict[str, str] = {}
    for request_id, agent, command, target in (
        ("h-1", first, "git status", "laptop"),
        ("h-2", first, "terraform apply -auto-approve", "prod"),
        ("h-3", second, "kubectl rollout restart deploy/web", "prod"),
        ("h-4", second, "echo 100%_done", None),
    ):
        reply = await agent.submit(request_id, command, **({"target": target} if target else {}))
        ids[command] = reply["command_id"]
    headers = org.reviewer_headers()
    await http.post(
        f"/api/v1/commands/{ids['terraform apply -auto-approve']}/deny",
        json={"note": "needs a plan first"},
        headers=headers,
    )
    await http.post(
        f"/api/v1/commands/{ids['kubectl rollout restart deploy/web']}/approve", headers=headers
    )

    assert await listing(http, org, status="denied") == ["terraform apply -auto-approve"]
    assert await listing(http, org, agent="deploy-bot") == [
        "echo 100%_done",
        "kubectl rollout restart deploy/web",
    ]
    assert await listing(http, org, target="prod") == [
        "kubectl rollout restart deploy/web",
        "terraform apply -auto-approve",
    ]
    assert await listing(http, org, reviewer="alice") == [
        "kubectl rollout restart deploy/web",
        "terraform apply -auto-approve",
    ]
    assert await listing(http, org, via="whitelist") == ["git status"]
    assert await listing(http, org, via="manual") == [
        "kubectl rollout restart deploy/web",
        "terraform apply -auto-approve",
    ]
    assert await listing(http, org, via="system") == []
    # Full text: command, target, notes; case-insensitive; % and _ are literal.
    assert await listing(http, org, q="TERRAFORM") == ["terraform apply -auto-approve"]
    assert await listing(http, org, q="plan first") == ["terraform apply -auto-approve"]
    assert await listing(http, org, q="100%_") == ["echo 100%_done"]
    assert await listing(http, org, q="%") == ["echo 100%_done"]
    assert await listing(http, org, q="laptop") == ["git status"]
    # Combined, and by time.
    assert await listing(http, org, target="prod", status="approved") == [
        "kubectl rollout restart deploy/web"
    ]
    now = datetime.now(UTC)
    assert len(await listing(http, org, since=(now - timedelta(minutes=5)).isoformat())) == 4
    assert await listing(http, org, since=(now + timedelta(minutes=5)).isoformat()) == []
    assert await listing(http, org, until=(now - timedelta(minutes=5)).isoformat()) == []
    # A zone-less time is UTC.
    naive = (now + timedelta(minutes=5)).replace(tzinfo=None).isoformat()
    assert len(await listing(http, org, until=naive)) == 4
    await first.close()
    await second.close()


async def test_bad_filters_are_typed_errors(org: OrgTokens, http: httpx.AsyncClient) -> None:
    for params in ({"via": "magic"}, {"since": "yesterday"}, {"status": "maybe"}, {"q": "x" * 501}):
        response = await http.get("/api/v1/commands", params=params, headers=org.reviewer_headers())
        assert response.status_code == 422, params
        assert response.json()["error"]["code"] == "invalid_request"


async def test_a_late_decision_is_told_who_was_first(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await agent.submit("h-5", "make release")
    url = f"/api/v1/commands/{accepted['command_id']}"
    assert (await http.post(f"{url}/approve", headers=org.reviewer_headers())).status_code == 200
    late = await http.post(f"{url}/deny", headers=org.reviewer_headers())
    assert late.status_code == 409
    error = late.json()["error"]
    assert error["code"] == "already_decided"
    assert error["details"]["decision"] == "approved"
    assert error["details"]["reviewer"] == "alice"
    assert error["details"]["decided_at"]
    assert "approved by alice" in error["message"]
    stored = (await http.get(url, headers=org.reviewer_headers())).json()
    assert stored["status"] == "approved"
    await agent.close()
