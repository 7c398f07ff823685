"""Previewing a whitelist rule against history, and refusing one that would approve a denial."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.agent import RawAgent
from tests.support.factories import OrgTokens
from tests.support.server import ServerProcess


async def seed(server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient) -> dict[str, str]:
    """Three decided commands (one denied) and one still pending; returns command ids by text."""
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    ids = {}
    for number, (command, target) in enumerate(
        (
            ("kubectl get pods -n web", "prod"),
            ("kubectl get pods -n db", "staging"),
            ("kubectl get pods -n web; rm -rf /", "prod"),
            ("kubectl delete pod web-1", "prod"),
            ("kubectl get pods -n api", "prod"),
        )
    ):
        reply = await agent.submit(f"p-{number}", command, target=target)
        ids[command] = reply["command_id"]
    headers = org.reviewer_headers()
    for command in ("kubectl get pods -n web", "kubectl get pods -n db"):
        await http.post(f"/api/v1/commands/{ids[command]}/approve", headers=headers)
    for command in ("kubectl get pods -n web; rm -rf /", "kubectl delete pod web-1"):
        await http.post(f"/api/v1/commands/{ids[command]}/deny", headers=headers)
    await agent.close()
    return ids


async def preview(http: httpx.AsyncClient, org: OrgTokens, **rule: Any) -> httpx.Response:
    return await http.post("/api/v1/whitelist/preview", json=rule, headers=org.reviewer_headers())


async def test_the_preview_lists_what_the_rule_would_have_approved(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    ids = await seed(server, org, http)
    glob = (await preview(http, org, pattern="kubectl get pods *", type="glob")).json()
    # The compound with "rm -rf /" is not matched: its second part is not covered.
    assert sorted(m["command"] for m in glob["matches"]) == [
        "kubectl get pods -n api",
        "kubectl get pods -n db",
        "kubectl get pods -n web",
    ]
    assert (glob["matched"], glob["denied_matched"], glob["truncated"]) == (3, 0, False)
    assert glob["scanned"] == 5
    scoped = (
        await preview(http, org, pattern="kubectl get pods *", type="glob", scope="target:prod")
    ).json()
    assert scoped["matched"] == 2
    excluded = (
        await preview(
            http,
            org,
            pattern="kubectl get pods -n api",
            exclude_command_id=ids["kubectl get pods -n api"],
        )
    ).json()
    assert excluded["matched"] == 0
    risky = (await preview(http, org, pattern="kubectl *", type="glob")).json()
    assert (risky["matched"], risky["denied_matched"]) == (4, 1)
    denied = next(m for m in risky["matches"] if m["status"] == "denied")
    assert denied["command"] == "kubectl delete pod web-1"


async def test_bad_rules_are_refused_with_the_reason(
    org: OrgTokens, http: httpx.AsyncClient
) -> None:
    bad_regex = await preview(http, org, pattern="(unclosed", type="regex")
    assert (bad_regex.status_code, bad_regex.json()["error"]["code"]) == (422, "invalid_pattern")
    backref = await preview(http, org, pattern=r"(a)\1", type="regex")
    assert backref.json()["error"]["code"] == "invalid_pattern"
    bad_scope = await preview(http, org, pattern="ls", scope="galaxy:far")
    assert bad_scope.status_code == 422
    assert (await preview(http, org, pattern="ls", type="fuzzy")).status_code == 422


async def test_a_rule_that_would_approve_a_denied_command_needs_confirming(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    ids = await seed(server, org, http)
    headers = org.reviewer_headers()
    pending = ids["kubectl get pods -n api"]
    refused = await http.post(
        f"/api/v1/commands/{pending}/approve",
        json={"whitelist": {"pattern": "kubectl *", "type": "glob"}},
        headers=headers,
    )
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "rule_matches_denied"
    assert error["details"]["denied_matched"] == 1
    assert error["details"]["examples"][0]["command"] == "kubectl delete pod web-1"
    # Nothing happened: still pending, no rule.
    assert (await http.get(f"/api/v1/commands/{pending}", headers=headers)).json()[
        "status"
    ] == "pending"
    assert (await http.get("/api/v1/whitelist", headers=headers)).json()["items"] == []
    direct = await http.post(
        "/api/v1/whitelist", json={"pattern": "kubectl *", "type": "glob"}, headers=headers
    )
    assert direct.json()["error"]["code"] == "rule_matches_denied"

    confirmed = await http.post(
        f"/api/v1/commands/{pending}/approve",
        json={
            "whitelist": {"pattern": "kubectl *", "type": "glob"},
            "confirm_denied_matches": True,
        },
        headers=headers,
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "approved"
    rules = (await http.get("/api/v1/whitelist", headers=headers)).json()["items"]
    assert [(r["pattern"], r["created_from_command"]) for r in rules] == [
        ("kubectl *", "kubectl get pods -n api")
    ]
    # Editing a rule is checked the same way (once the broad rule is gone, which
    # already made the denied command approvable).
    await http.delete(f"/api/v1/whitelist/{rules[0]['id']}", headers=headers)
    safe = await http.post(
        "/api/v1/whitelist", json={"pattern": "kubectl get pods -n db"}, headers=headers
    )
    assert safe.status_code == 201
    widened = await http.patch(
        f"/api/v1/whitelist/{safe.json()['id']}",
        json={"pattern": "kubectl delete *", "type": "glob"},
        headers=headers,
    )
    assert widened.json()["error"]["code"] == "rule_matches_denied"
    assert (
        await http.patch(
            f"/api/v1/whitelist/{safe.json()['id']}",
            json={"pattern": "kubectl delete *", "type": "glob", "confirm_denied_matches": True},
            headers=headers,
        )
    ).status_code == 200


async def test_expiring_a_rule_stops_it_at_once_and_keeps_it_listed(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    headers = org.reviewer_headers()
    rule = (
        await http.post("/api/v1/whitelist", json={"pattern": "uptime"}, headers=headers)
    ).json()
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    assert (await agent.submit("x-1", "uptime"))["type"] == "decision"
    expired = await http.post(f"/api/v1/whitelist/{rule['id']}/expire", headers=headers)
    assert expired.status_code == 200
    assert expired.json()["expired"] is True
    assert (await agent.submit("x-2", "uptime"))["type"] == "accepted"
    listed = (await http.get("/api/v1/whitelist", headers=headers)).json()["items"]
    assert [(r["id"], r["expired"], r["hit_count"]) for r in listed] == [(rule["id"], True, 1)]
    again = await http.post(f"/api/v1/whitelist/{rule['id']}/expire", headers=headers)
    assert again.status_code == 200
    missing = await http.post("/api/v1/whitelist/wl_nope/expire", headers=headers)
    assert missing.status_code == 404
    events = (await http.get("/api/v1/audit", headers=headers)).json()["items"]
    assert [e["action"] for e in events].count("whitelist.expired") == 1
    await agent.close()


async def test_a_rule_completing_a_denied_compound_with_an_existing_rule_is_caught(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    headers = org.reviewer_headers()
    assert (
        await http.post("/api/v1/whitelist", json={"pattern": "cd /srv"}, headers=headers)
    ).status_code == 201
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    denied = await agent.submit("c-1", "cd /srv && make deploy")
    await http.post(f"/api/v1/commands/{denied['command_id']}/deny", headers=headers)
    assert (await agent.recv())["decision"] == "denied"
    plain = await agent.submit("c-2", "make deploy")  # pending, never decided
    await agent.close()

    result = (await preview(http, org, pattern="make deploy")).json()
    # The denied compound becomes approvable only together with "cd /srv".
    assert sorted(m["command"] for m in result["matches"]) == [
        "cd /srv && make deploy",
        "make deploy",
    ]
    assert result["denied_matched"] == 1
    assert result["complete"] is True
    refused = await http.post("/api/v1/whitelist", json={"pattern": "make deploy"}, headers=headers)
    assert refused.json()["error"]["code"] == "rule_matches_denied"
    # Commands the rules in force already approve are not the new rule's doing.
    already = (await preview(http, org, pattern="cd /srv")).json()
    assert already["matched"] == 0
    assert plain["type"] == "accepted"


async def test_giving_an_expired_rule_a_new_life_is_checked_like_a_new_rule(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    headers = org.reviewer_headers()
    rule = (
        await http.post("/api/v1/whitelist", json={"pattern": "make clean"}, headers=headers)
    ).json()
    await http.post(f"/api/v1/whitelist/{rule['id']}/expire", headers=headers)
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    waiting = await agent.submit("t-1", "make clean")
    assert waiting["type"] == "accepted"
    await http.post(f"/api/v1/commands/{waiting['command_id']}/deny", headers=headers)
    assert (await agent.recv())["decision"] == "denied"
    await agent.close()

    revived = await http.patch(
        f"/api/v1/whitelist/{rule['id']}", json={"ttl_seconds": None}, headers=headers
    )
    assert revived.status_code == 409
    assert revived.json()["error"]["code"] == "rule_matches_denied"
    still = await http.get(f"/api/v1/whitelist/{rule['id']}", headers=headers)
    assert still.json()["expired"] is True
    confirmed = await http.patch(
        f"/api/v1/whitelist/{rule['id']}",
        json={"ttl_seconds": None, "confirm_denied_matches": True},
        headers=headers,
    )
    assert confirmed.json()["expired"] is False
