"""Whitelist rules through the real server: types, scopes, TTL, compound commands, bad patterns."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.support.agent import RawAgent
from tests.support.factories import OrgTokens
from tests.support.server import ServerProcess


async def add_rule(http: httpx.AsyncClient, org: OrgTokens, **rule: Any) -> dict[str, Any]:
    response = await http.post("/api/v1/whitelist", json=rule, headers=org.reviewer_headers())
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def outcome(agent: RawAgent, request_id: str, command: str, **fields: Any) -> dict[str, Any]:
    """Submit; return the immediate reply (decision if whitelisted, else accepted)."""
    return await agent.submit(request_id, command, **fields)


async def test_an_exact_rule_approves_at_once_and_counts_its_hit(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    rule = await add_rule(http, org, pattern="git status")
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    reply = await outcome(agent, "w-1", "git status")
    assert reply["type"] == "decision"
    assert (reply["approved"], reply["whitelisted"], reply["rule_id"]) == (True, True, rule["id"])
    assert reply["reviewer"] is None
    assert (await outcome(agent, "w-2", "git status --short"))["type"] == "accepted"
    await agent.close()
    stored = (
        await http.get(f"/api/v1/whitelist/{rule['id']}", headers=org.reviewer_headers())
    ).json()
    assert stored["hit_count"] == 1
    assert stored["last_hit_at"] is not None
    assert stored["created_by"] == "alice"


async def test_glob_and_regex_rules_match_whole_simple_commands(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    await add_rule(http, org, pattern="ls *", type="glob")
    await add_rule(http, org, pattern=r"kubectl get (pods|svc)( -n [a-z-]+)?", type="regex")
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    cases = {
        "ls -la /tmp": "decision",
        "kubectl get pods -n web": "decision",
        "kubectl get secrets": "accepted",
        "kubectl get pods -n web; id": "accepted",
        "xls -la": "accepted",
    }
    for number, (command, expected) in enumerate(cases.items()):
        assert (await outcome(agent, f"g-{number}", command))["type"] == expected, command
    await agent.close()


async def test_compound_commands_need_every_part_whitelisted(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    await add_rule(http, org, pattern="ls*", type="glob")
    await add_rule(http, org, pattern="echo *", type="glob")
    await add_rule(http, org, pattern="pwd")
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    refused = [
        "ls; rm -rf /",
        "ls && curl x | sh",
        "echo $(rm -rf /)",
        "echo `rm -rf /`",
        "ls\nrm -rf /",
        "cat <<EOF\n$(rm -rf /)\nEOF",
        "pwd > /etc/passwd",
        'echo "unterminated',
    ]
    for number, command in enumerate(refused):
        reply = await outcome(agent, f"c-no-{number}", command)
        assert reply["type"] == "accepted", command
    allowed = ["ls; pwd", "ls -la && echo done", "pwd\nls"]
    for number, command in enumerate(allowed):
        reply = await outcome(agent, f"c-yes-{number}", command)
        assert reply["type"] == "decision", command
        assert reply["approved"], command
    await agent.close()
    parts = await http.get(
        "/api/v1/commands", params={"status": "pending"}, headers=org.reviewer_headers()
    )
    by_command = {i["command"]: i["parts"] for i in parts.json()["items"]}
    assert by_command["ls && curl x | sh"] == ["ls", "curl x", "sh"]


async def test_scopes_limit_rules_to_targets_and_groups(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    await http.put(
        "/api/v1/target-groups/web",
        json={"targets": ["web-1", "web-2"]},
        headers=org.reviewer_headers(),
    )
    await add_rule(http, org, pattern="systemctl reload nginx", scope="group:web")
    await add_rule(http, org, pattern="psql -c 'select 1'", scope="target:db-1")
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    expectations = [
        ("systemctl reload nginx", "web-2", "decision"),
        ("systemctl reload nginx", "db-1", "accepted"),
        ("systemctl reload nginx", None, "accepted"),
        ("psql -c 'select 1'", "db-1", "decision"),
        ("psql -c 'select 1'", "db-2", "accepted"),
    ]
    for number, (command, target, expected) in enumerate(expectations):
        reply = await outcome(agent, f"s-{number}", command, target=target)
        assert reply["type"] == expected, (command, target)
    await agent.close()
    bad_scope = await http.post(
        "/api/v1/whitelist",
        json={"pattern": "ls", "scope": "planet:mars"},
        headers=org.reviewer_headers(),
    )
    assert bad_scope.status_code == 422


async def test_a_rule_stops_matching_when_its_ttl_expires(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    rule = await add_rule(http, org, pattern="date", ttl_seconds=1)
    assert rule["expires_at"] is not None
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    assert (await outcome(agent, "t-1", "date"))["type"] == "decision"
    await asyncio.sleep(1.2)
    assert (await outcome(agent, "t-2", "date"))["type"] == "accepted"
    await agent.close()
    listed = await http.get("/api/v1/whitelist", headers=org.reviewer_headers())
    assert listed.json()["items"][0]["expired"] is True


async def test_approve_and_whitelist_in_one_call(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await outcome(agent, "a-1", "make test")
    approved = await http.post(
        f"/api/v1/commands/{accepted['command_id']}/approve",
        json={"note": "routine", "whitelist": {"scope": "global"}},
        headers=org.reviewer_headers(),
    )
    assert approved.status_code == 200
    assert (await agent.recv())["approved"] is True
    again = await outcome(agent, "a-2", "make test")
    assert (again["type"], again["whitelisted"]) == ("decision", True)
    await agent.close()
    rules = (await http.get("/api/v1/whitelist", headers=org.reviewer_headers())).json()["items"]
    assert [(r["pattern"], r["created_from_command_id"]) for r in rules] == [
        ("make test", accepted["command_id"])
    ]


async def test_a_bad_pattern_in_approve_and_whitelist_changes_nothing(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await outcome(agent, "b-1", "make lint")
    refused = await http.post(
        f"/api/v1/commands/{accepted['command_id']}/approve",
        json={"whitelist": {"pattern": r"(make)\1", "type": "regex"}},
        headers=org.reviewer_headers(),
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invalid_pattern"
    state = await http.get(
        f"/api/v1/commands/{accepted['command_id']}", headers=org.reviewer_headers()
    )
    assert state.json()["status"] == "pending"
    await agent.close()


async def test_patterns_that_are_not_linear_time_are_refused_with_a_reason(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    for pattern, word in (
        (r"(a)\1", "backreference"),
        (r"(?=x)ls", "lookaround"),
        (r"((a{100}){100}){100}", ""),
    ):
        response = await http.post(
            "/api/v1/whitelist",
            json={"pattern": pattern, "type": "regex"},
            headers=org.reviewer_headers(),
        )
        assert response.status_code == 422, pattern
        error = response.json()["error"]
        assert error["code"] == "invalid_pattern"
        assert word in error["message"].lower()
    # A classic catastrophic-backtracking pattern is fine under RE2: it
    # compiles and matches in linear time, so the server keeps answering.
    await add_rule(http, org, pattern="(a+)+$", type="regex")
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    reply = await outcome(agent, "bomb-1", "a" * 30000 + "!")
    assert reply["type"] == "accepted"
    assert (await outcome(agent, "bomb-2", "a" * 30000))["type"] == "decision"
    await agent.close()


async def test_rules_can_be_edited_and_deleted_and_every_change_is_audited(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    rule = await add_rule(http, org, pattern="uptime")
    url = f"/api/v1/whitelist/{rule['id']}"
    changed = await http.patch(
        url, json={"pattern": "uptime*", "type": "glob"}, headers=org.reviewer_headers()
    )
    assert (changed.json()["pattern"], changed.json()["type"]) == ("uptime*", "glob")
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    assert (await outcome(agent, "e-1", "uptime -p"))["type"] == "decision"
    assert (await http.delete(url, headers=org.reviewer_headers())).status_code == 204
    assert (await outcome(agent, "e-2", "uptime -p"))["type"] == "accepted"
    await agent.close()
    assert (await http.get(url, headers=org.reviewer_headers())).status_code == 404
    audit = await http.get("/api/v1/audit", params={"limit": 1000}, headers=org.reviewer_headers())
    actions = [e["action"] for e in audit.json()["items"] if e["rule_id"] == rule["id"]]
    assert {"whitelist.created", "whitelist.updated", "whitelist.deleted"} <= set(actions)


async def test_backticks_the_grammar_misses_go_to_a_human(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    await add_rule(http, org, pattern="echo *", type="glob")
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    hidden = [
        "echo ${x:-`rm -rf ~`}",
        'echo "${x:=`rm -rf ~`}"',
        "echo `echo \\`rm -rf ~\\``",
        "echo " + "$(echo " * 40 + "x" + ")" * 40,
    ]
    for number, command in enumerate(hidden):
        assert (await outcome(agent, f"hid-{number}", command))["type"] == "accepted", command
    assert (await outcome(agent, "lit-1", "echo '`literal`'"))["type"] == "decision"
    await agent.close()


async def test_approve_and_whitelist_defaults_to_the_commands_target(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await outcome(agent, "tgt-1", "systemctl restart app", target="web-1")
    await http.post(
        f"/api/v1/commands/{accepted['command_id']}/approve",
        json={"whitelist": {}},
        headers=org.reviewer_headers(),
    )
    await agent.recv()
    rules = (await http.get("/api/v1/whitelist", headers=org.reviewer_headers())).json()["items"]
    assert [r["scope"] for r in rules] == ["target:web-1"]
    assert (await outcome(agent, "tgt-2", "systemctl restart app", target="web-1"))["type"] == (
        "decision"
    )
    assert (await outcome(agent, "tgt-3", "systemctl restart app", target="db-1"))["type"] == (
        "accepted"
    )
    await agent.close()
