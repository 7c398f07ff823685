"""Multi-party approval: N distinct approvers, AllOf and AnyOf, separation of duties."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from expacti_server.db.engine import Database
from expacti_server.identity.roles import ReviewerRole
from tests.support.agent import RawAgent
from tests.support.factories import OrgTokens, make_reviewer_token
from tests.support.server import ServerProcess


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def policy(http: httpx.AsyncClient, org: OrgTokens, **fields: Any) -> httpx.Response:
    return await http.post(
        "/api/v1/policies", json={"name": "deploys", **fields}, headers=org.reviewer_headers()
    )


async def next_frame(agent: RawAgent, kind: str) -> dict[str, Any]:
    while True:
        frame = await agent.recv()
        if frame["type"] == kind:
            return frame


async def reviewers(server_db: Database, org: OrgTokens, *names: str) -> list[str]:
    return [
        await make_reviewer_token(server_db, org, name, ReviewerRole.REVIEWER) for name in names
    ]


async def test_two_of_n_all_of_counts_each_reviewer_once_and_shows_progress(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    bob, carol = await reviewers(server_db, org, "bob", "carol")
    created = await policy(
        http, org, command_pattern="terraform apply*", require_n_approvers=2, policy="AllOf"
    )
    assert created.status_code == 201, created.text
    assert created.json()["eligible_reviewers"] == 3
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await agent.submit_for("m-1", "terraform apply -auto-approve=false")
    command_id = accepted["command_id"]

    first = await http.post(f"/api/v1/commands/{command_id}/approve", headers=bearer(bob))
    assert first.status_code == 200
    body = first.json()
    assert (body["status"], body["approvals"], body["requirement"]["required"]) == (
        "pending",
        1,
        2,
    )
    progress = await next_frame(agent, "progress")
    assert (progress["approvals"], progress["required"], progress["approvers"]) == (
        1,
        2,
        ["bob"],
    )

    again = await http.post(f"/api/v1/commands/{command_id}/approve", headers=bearer(bob))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_voted"

    second = await http.post(f"/api/v1/commands/{command_id}/approve", headers=bearer(carol))
    assert second.json()["status"] == "approved"
    decision = await next_frame(agent, "decision")
    assert decision["approved"] is True
    assert decision["approvers"] == ["bob", "carol"]

    trail = await http.get(f"/api/v1/commands/{command_id}/audit", headers=org.reviewer_headers())
    votes = [e for e in trail.json()["items"] if e["action"] == "command.vote"]
    assert [(v["actor_name"], v["data"]["vote"]) for v in votes] == [
        ("bob", "approve"),
        ("carol", "approve"),
    ]
    await agent.close()


async def test_under_all_of_one_deny_ends_it(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    bob, carol = await reviewers(server_db, org, "bob", "carol")
    await policy(http, org, command_pattern="kubectl drain *", require_n_approvers=2)
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    command_id = (await agent.submit_for("m-2", "kubectl drain node-7"))["command_id"]
    await http.post(f"/api/v1/commands/{command_id}/approve", headers=bearer(bob))
    denied = await http.post(
        f"/api/v1/commands/{command_id}/deny", json={"note": "no"}, headers=bearer(carol)
    )
    assert denied.json()["status"] == "denied"
    assert (await next_frame(agent, "decision"))["decision"] == "denied"
    await agent.close()


async def test_under_any_of_a_deny_is_one_vote_until_approval_becomes_impossible(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    bob, carol, erin = await reviewers(server_db, org, "bob", "carol", "erin")
    await policy(http, org, command_pattern="helm upgrade *", require_n_approvers=2, policy="AnyOf")
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    # Four eligible (alice, bob, carol, erin): one deny leaves three who could approve.
    first = (await agent.submit_for("m-3", "helm upgrade web ./chart"))["command_id"]
    denied = await http.post(f"/api/v1/commands/{first}/deny", headers=bearer(bob))
    assert denied.json()["status"] == "pending"
    await http.post(f"/api/v1/commands/{first}/approve", headers=bearer(carol))
    done = await http.post(f"/api/v1/commands/{first}/approve", headers=bearer(erin))
    assert done.json()["status"] == "approved"

    # Three denials leave one possible approver for two approvals: denied at once.
    second = (await agent.submit_for("m-4", "helm upgrade api ./chart"))["command_id"]
    for token in (bob, carol):
        vote = await http.post(f"/api/v1/commands/{second}/deny", headers=bearer(token))
        assert vote.json()["status"] == "pending", vote.text
    last = await http.post(f"/api/v1/commands/{second}/deny", headers=bearer(erin))
    assert last.json()["status"] == "denied"
    await agent.close()


async def test_the_agents_owner_cannot_approve_its_commands(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    (bob,) = await reviewers(server_db, org, "bob")
    people = (await http.get("/api/v1/reviewers", headers=org.reviewer_headers())).json()
    bob_id = next(r["id"] for r in people["items"] if r["name"] == "bob")
    agents = (await http.get("/api/v1/agents", headers=org.reviewer_headers())).json()["items"]
    linked = await http.patch(
        f"/api/v1/agents/{agents[0]['id']}",
        json={"owner_reviewer_id": bob_id},
        headers=org.reviewer_headers(),
    )
    assert linked.json()["owner"] == "bob"
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    command_id = (await agent.submit_for("m-5", "make release"))["command_id"]
    refused = await http.post(f"/api/v1/commands/{command_id}/approve", headers=bearer(bob))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "separation_of_duties"
    # Denying stays open to the owner: stopping their own agent is always safe.
    denied = await http.post(f"/api/v1/commands/{command_id}/deny", headers=bearer(bob))
    assert denied.json()["status"] == "denied"

    # With two approvals required and alice the only other eligible reviewer, the policy
    # is satisfiable for the org, but never for this agent: alice's approval is not enough.
    await policy(http, org, command_pattern="make deploy", require_n_approvers=2)
    pending = (await agent.submit_for("m-6", "make deploy"))["command_id"]
    once = await http.post(f"/api/v1/commands/{pending}/approve", headers=org.reviewer_headers())
    assert once.json()["status"] == "denied"  # bob can never approve it: it cannot succeed
    # The system denied it (alice approved), and says why.
    assert once.json()["reviewer"] is None
    assert "2 approvals are needed" in once.json()["notes"]
    await agent.close()


async def test_policies_that_can_never_be_satisfied_are_refused(
    org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    await reviewers(server_db, org, "bob")
    too_many = await policy(http, org, require_n_approvers=3)
    assert too_many.status_code == 422
    error = too_many.json()["error"]
    assert error["code"] == "policy_unsatisfiable"
    assert (error["details"]["required"], error["details"]["eligible"]) == (3, 2)
    seniors = await policy(http, org, require_n_approvers=2, min_role="senior")
    assert seniors.status_code == 422  # only alice (admin) is senior or above
    bad_pattern = await policy(http, org, command_pattern="a(b", command_pattern_type="regex")
    assert bad_pattern.status_code == 422
    assert bad_pattern.json()["error"]["code"] == "invalid_pattern"

    ok = await policy(http, org, require_n_approvers=2, command_pattern="deploy *")
    assert ok.status_code == 201
    people = (await http.get("/api/v1/reviewers", headers=org.reviewer_headers())).json()
    bob_id = next(r["id"] for r in people["items"] if r["name"] == "bob")
    demote = await http.patch(
        f"/api/v1/reviewers/{bob_id}", json={"role": "auditor"}, headers=org.reviewer_headers()
    )
    assert demote.status_code == 422
    assert demote.json()["error"]["code"] == "policy_unsatisfiable"
    listed = (await http.get("/api/v1/policies", headers=org.reviewer_headers())).json()
    assert [p["require_n_approvers"] for p in listed["items"]] == [2]
    assert listed["senior_risk_threshold"] == 70


async def test_concurrent_votes_are_all_counted(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    tokens = await reviewers(server_db, org, "bob", "carol", "erin")
    await policy(http, org, command_pattern="make ship", require_n_approvers=3)
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    command_id = (await agent.submit_for("m-7", "make ship"))["command_id"]
    votes = await asyncio.gather(
        *(
            http.post(f"/api/v1/commands/{command_id}/approve", headers=bearer(token))
            for token in tokens
        )
    )
    assert sorted(v.status_code for v in votes) == [200, 200, 200]
    final = (
        await http.get(f"/api/v1/commands/{command_id}", headers=org.reviewer_headers())
    ).json()
    assert final["status"] == "approved"
    assert sorted(final["decision"]["approvers"]) == ["bob", "carol", "erin"]
    await agent.close()
