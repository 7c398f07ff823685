"""Rule suggestions through the real server: learnt from approvals, accepted, dismissed, refused."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from expacti_server.db.engine import Database
from expacti_server.identity.roles import ReviewerRole
from tests.support.factories import OrgTokens, make_reviewer_token
from tests.support.reviewer import CSRF, sign_in

BUILDS = r"rm /tmp/build-[0-9]+\.log"


class Session:
    """An agent submitting over HTTP and a reviewer deciding, in one organisation."""

    def __init__(self, http: httpx.AsyncClient, org: OrgTokens) -> None:
        self.http = http
        self.org = org
        self.count = 0

    async def submit(self, command: str, target: str | None = "ci") -> dict[str, Any]:
        self.count += 1
        response = await self.http.post(
            "/api/v1/commands",
            json={"request_id": f"s-{self.count}", "command": command, "target": target},
            headers=self.org.agent_headers(),
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def decide(
        self, command: str, *, approve: bool = True, target: str | None = "ci"
    ) -> None:
        created = await self.submit(command, target)
        verb = "approve" if approve else "deny"
        response = await self.http.post(
            f"/api/v1/commands/{created['id']}/{verb}", headers=self.org.reviewer_headers()
        )
        assert response.status_code == 200, response.text

    async def suggestions(self, **params: str) -> list[dict[str, Any]]:
        response = await self.http.get(
            "/api/v1/suggestions", params=params, headers=self.org.reviewer_headers()
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.http.post(
            f"/api/v1/suggestions{path}", json=body, headers=self.org.reviewer_headers()
        )

    async def wait_for(self, pattern: str, status: str = "open") -> dict[str, Any]:
        """The suggestion with this pattern once the background recompute has stored it."""
        async with asyncio.timeout(15):
            while True:
                for item in await self.suggestions(status=status):
                    if item["pattern"] == pattern:
                        return item
                await asyncio.sleep(0.1)


async def test_approvals_become_a_suggestion_that_accepting_turns_into_a_rule(
    org: OrgTokens, http: httpx.AsyncClient
) -> None:
    session = Session(http, org)
    for n in (11, 12, 13):
        await session.decide(f"rm /tmp/build-{n}.log")
    found = await session.wait_for(BUILDS)  # no refresh: learnt from the decisions alone
    assert (found["type"], found["scope"], found["upgrade_of_rule_id"]) == (
        "regex",
        "target:ci",
        None,
    )
    evidence = found["evidence"]
    assert (evidence["approved"], evidence["would_auto_approve"], evidence["matched_denied"]) == (
        3,
        3,
        0,
    )
    assert evidence["reviewers"] == ["alice"]
    assert found["summary"].startswith("approved 3 times, denied 0")
    assert [s["pattern"] for s in await session.suggestions(target="ci")] == [BUILDS]
    assert await session.suggestions(target="prod") == []

    accepted = await session.post(f"/{found['id']}/accept", {"ttl_seconds": 3600})
    assert accepted.status_code == 200, accepted.text
    rule_id = accepted.json()["rule_id"]
    assert (accepted.json()["status"], accepted.json()["decided_by"]) == ("accepted", "alice")
    rule = (await http.get(f"/api/v1/whitelist/{rule_id}", headers=org.reviewer_headers())).json()
    assert (rule["pattern"], rule["type"], rule["scope"]) == (BUILDS, "regex", "target:ci")
    assert rule["expires_at"] is not None

    new = await session.submit("rm /tmp/build-14.log")
    assert (new["status"], new["whitelisted"], new["rule_id"]) == ("approved", True, rule_id)
    elsewhere = await session.submit("rm /tmp/build-14.log", target="prod")
    assert elsewhere["status"] == "pending"
    again = await session.post(f"/{found['id']}/accept")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "suggestion_not_open")
    events = (await http.get("/api/v1/audit", headers=org.reviewer_headers())).json()["items"]
    assert "suggestion.accepted" in [e["action"] for e in events]


async def test_a_dismissal_is_remembered_across_refreshes(
    org: OrgTokens, http: httpx.AsyncClient
) -> None:
    session = Session(http, org)
    for n in (1, 2, 3):
        await session.decide(f"ls -la /srv/ci/build-{n}")
    refreshed = await session.post("/refresh")
    assert refreshed.status_code == 200
    (found,) = refreshed.json()["items"]
    dismissed = await session.post(f"/{found['id']}/dismiss")
    assert (dismissed.status_code, dismissed.json()["status"]) == (200, "dismissed")
    await session.decide("ls -la /srv/ci/build-4")
    assert (await session.post("/refresh")).json()["items"] == []
    every = await session.suggestions(status="all")
    assert [(s["id"], s["status"]) for s in every] == [(found["id"], "dismissed")]
    assert [s["id"] for s in await session.suggestions(status="dismissed")] == [found["id"]]


async def test_accepting_after_a_matching_denial_is_refused(
    org: OrgTokens, http: httpx.AsyncClient
) -> None:
    session = Session(http, org)
    for n in (1, 2, 3):
        await session.decide(f"tail -n 50 /var/log/app/worker-{n}.log", target=None)
    (found,) = (await session.post("/refresh")).json()["items"]
    assert found["scope"] == "global"
    await session.decide("tail -n 50 /var/log/app/worker-9.log", approve=False, target=None)
    refused = await session.post(f"/{found['id']}/accept", {"ttl_seconds": 60})
    assert refused.status_code == 409
    # Usually the preview's refusal; if the background recompute came first, it was withdrawn.
    assert refused.json()["error"]["code"] in {"rule_matches_denied", "suggestion_not_open"}
    withdrawn = await session.wait_for(found["pattern"], status="withdrawn")
    assert withdrawn["evidence"]["matched_denied"] == 1
    rules = (await http.get("/api/v1/whitelist", headers=org.reviewer_headers())).json()
    assert rules["items"] == []


async def test_only_reviewers_see_suggestions_and_only_deciders_act_on_them(
    org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    agent = org.agent_headers()
    assert (await http.get("/api/v1/suggestions", headers=agent)).status_code == 403
    assert (await http.post("/api/v1/suggestions/refresh", headers=agent)).status_code == 403
    auditor = {
        "Authorization": "Bearer "
        + await make_reviewer_token(server_db, org, "audrey", ReviewerRole.AUDITOR)
    }
    assert (await http.get("/api/v1/suggestions", headers=auditor)).status_code == 200
    assert (await http.post("/api/v1/suggestions/refresh", headers=auditor)).status_code == 403
    cookie = {"Cookie": f"expacti_session={await sign_in(http, org.reviewer_token)}"}
    assert (await http.get("/api/v1/suggestions", headers=cookie)).status_code == 200
    no_csrf = await http.post("/api/v1/suggestions/refresh", headers=cookie)
    assert no_csrf.json()["error"]["code"] == "csrf_check_failed"
    with_csrf = await http.post("/api/v1/suggestions/refresh", headers={**cookie, **CSRF})
    assert with_csrf.status_code == 200
    missing = await http.post(
        "/api/v1/suggestions/sugg_nope/dismiss", headers=org.reviewer_headers()
    )
    assert missing.status_code == 404
    bad = await http.get(
        "/api/v1/suggestions", params={"status": "maybe"}, headers=org.reviewer_headers()
    )
    assert bad.status_code == 422
