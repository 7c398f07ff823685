"""Routing by role: who sees a command in their queue, and whose decision the API accepts."""

from __future__ import annotations

import httpx

from expacti_server.db.engine import Database
from expacti_server.identity.roles import ReviewerRole
from tests.support.agent import RawAgent
from tests.support.factories import OrgTokens, make_reviewer_token
from tests.support.reviewer import ReviewerScreen
from tests.support.server import ServerProcess

HIGH_RISK = "rm -rf --no-preserve-root /"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ws_base(server: ServerProcess) -> str:
    return f"ws://127.0.0.1:{server.port}"


async def test_a_high_risk_command_needs_a_senior_and_only_seniors_see_it(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    bob = await make_reviewer_token(server_db, org, "bob", ReviewerRole.REVIEWER)
    carol = await make_reviewer_token(server_db, org, "carol", ReviewerRole.SENIOR)
    bob_screen = await ReviewerScreen.open(ws_base(server), headers=bearer(bob))
    carol_screen = await ReviewerScreen.open(ws_base(server), headers=bearer(carol))
    agent = await RawAgent.connect(server.ws_url, org.agent_token)

    risky = await agent.submit_for("r-1", HIGH_RISK)
    routine = await agent.submit_for("r-2", "git status --short")
    seen = await carol_screen.next_of("pending", risky["command_id"])
    assert seen["command"]["risk_score"] >= 70
    assert seen["command"]["requirement"]["min_role"] == "senior"
    assert "needs a senior" in seen["command"]["requirement"]["reason"]
    # Bob's next frame is the routine command: the risky one never reached his screen.
    first = await bob_screen.recv()
    assert (first["type"], first["command"]["id"]) == ("pending", routine["command_id"])

    refused = await http.post(
        f"/api/v1/commands/{risky['command_id']}/approve", headers=bearer(bob)
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_eligible"
    assert refused.json()["error"]["details"]["needs"] == "senior"
    still = await http.get(f"/api/v1/commands/{risky['command_id']}", headers=bearer(bob))
    assert still.json()["status"] == "pending"

    # A reopened screen's snapshot is filtered the same way.
    await bob_screen.close()
    bob_again = await ReviewerScreen.open(ws_base(server), headers=bearer(bob))
    assert [c["id"] for c in bob_again.snapshot["commands"]] == [routine["command_id"]]
    carol_again = await ReviewerScreen.open(ws_base(server), headers=bearer(carol))
    assert {c["id"] for c in carol_again.snapshot["commands"]} == {
        risky["command_id"],
        routine["command_id"],
    }

    approved = await http.post(
        f"/api/v1/commands/{risky['command_id']}/approve", headers=bearer(carol)
    )
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    decision = await agent.recv()
    while decision["type"] != "decision" or decision["command_id"] != risky["command_id"]:
        decision = await agent.recv()
    assert decision["approvers"] == ["carol"]
    for screen in (bob_again, carol_screen, carol_again):
        await screen.close()
    await agent.close()


async def test_an_auditor_reads_everything_and_decides_nothing(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    dave = await make_reviewer_token(server_db, org, "dave", ReviewerRole.AUDITOR)
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await agent.submit_for("a-1", "echo routine")
    listed = await http.get("/api/v1/commands?status=pending", headers=bearer(dave))
    assert accepted["command_id"] in [c["id"] for c in listed.json()["items"]]
    me = await http.get("/api/v1/me", headers=bearer(dave))
    assert me.json()["reviewer_role"] == "auditor"
    for action in ("approve", "deny"):
        refused = await http.post(
            f"/api/v1/commands/{accepted['command_id']}/{action}", headers=bearer(dave)
        )
        assert refused.status_code == 403, refused.text
    for method, path, body in (
        ("POST", "/api/v1/whitelist", {"pattern": "ls", "type": "exact"}),
        ("PATCH", "/api/v1/org", {"timeout_seconds": 60}),
        ("POST", "/api/v1/policies", {"name": "x"}),
    ):
        response = await http.request(method, path, json=body, headers=bearer(dave))
        assert response.status_code == 403, (path, response.text)
    screen = await ReviewerScreen.open(ws_base(server), headers=bearer(dave))
    assert screen.snapshot["commands"] == []  # an auditor's queue is empty: nothing to decide
    await screen.close()
    await agent.close()


async def test_only_an_admin_changes_policy_and_roles(
    org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    carol = await make_reviewer_token(server_db, org, "carol", ReviewerRole.SENIOR)
    refused = await http.patch(
        "/api/v1/org", json={"senior_risk_threshold": 90}, headers=bearer(carol)
    )
    assert refused.status_code == 403
    reviewers = (await http.get("/api/v1/reviewers", headers=bearer(carol))).json()["items"]
    roles = {r["name"]: r["role"] for r in reviewers}
    assert roles == {"alice": "admin", "carol": "senior"}
    carol_id = next(r["id"] for r in reviewers if r["name"] == "carol")
    alice_id = next(r["id"] for r in reviewers if r["name"] == "alice")
    promoted = await http.patch(
        f"/api/v1/reviewers/{carol_id}", json={"role": "admin"}, headers=bearer(carol)
    )
    assert promoted.status_code == 403
    promoted = await http.patch(
        f"/api/v1/reviewers/{carol_id}", json={"role": "admin"}, headers=org.reviewer_headers()
    )
    assert promoted.json()["role"] == "admin"
    demoted = await http.patch(
        f"/api/v1/reviewers/{alice_id}", json={"role": "reviewer"}, headers=bearer(carol)
    )
    assert demoted.status_code == 200
    last = await http.patch(
        f"/api/v1/reviewers/{carol_id}", json={"role": "senior"}, headers=bearer(carol)
    )
    assert last.status_code == 422
    assert "at least one admin" in last.json()["error"]["message"]
    bad = await http.patch(
        f"/api/v1/reviewers/{carol_id}", json={"role": "owner"}, headers=bearer(carol)
    )
    assert bad.status_code == 422


async def test_an_org_that_turns_the_senior_threshold_off_lets_reviewers_decide(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    threshold = 101
    bob = await make_reviewer_token(server_db, org, "bob", ReviewerRole.REVIEWER)
    changed = await http.patch(
        "/api/v1/org", json={"senior_risk_threshold": threshold}, headers=org.reviewer_headers()
    )
    assert changed.json()["senior_risk_threshold"] == threshold
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    risky = await agent.submit_for("t-1", HIGH_RISK)
    approved = await http.post(
        f"/api/v1/commands/{risky['command_id']}/approve", headers=bearer(bob)
    )
    assert approved.status_code == 200, approved.text
    await agent.close()
