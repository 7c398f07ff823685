"""The audit log records every submission, decision and credential use, and cannot be changed."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from expacti_server.db.engine import Database
from tests.support.agent import RawAgent
from tests.support.factories import OrgTokens
from tests.support.server import ServerProcess


async def test_submission_and_decision_are_audited_with_who_and_latency(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    await http.post("/api/v1/whitelist", json={"pattern": "id"}, headers=org.reviewer_headers())
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    manual = await agent.submit("au-1", "sudo shutdown -h now")
    await http.post(
        f"/api/v1/commands/{manual['command_id']}/deny",
        json={"note": "never"},
        headers=org.reviewer_headers(),
    )
    await agent.recv()
    auto = await agent.submit("au-2", "id")
    await agent.close()

    events = (
        await http.get("/api/v1/audit", params={"limit": 1000}, headers=org.reviewer_headers())
    ).json()["items"]
    manual_events = [e for e in events if e["command_id"] == manual["command_id"]]
    assert [e["action"] for e in reversed(manual_events)] == [
        "command.submitted",
        "command.decided",
    ]
    decided = manual_events[0]
    assert (decided["actor_type"], decided["actor_name"]) == ("reviewer", "alice")
    assert decided["data"]["decision"] == "denied"
    assert decided["data"]["whitelisted"] is False
    assert decided["data"]["latency_ms"] > 0
    assert decided["data"]["risk_score"] > 0
    auto_decided = next(
        e
        for e in events
        if e["command_id"] == auto["command_id"] and e["action"] == "command.decided"
    )
    assert auto_decided["data"]["whitelisted"] is True
    assert auto_decided["rule_id"] == auto["rule_id"]
    actions = {e["action"] for e in events}
    assert "credential.used" in actions
    assert "whitelist.created" in actions


async def test_the_audit_table_is_append_only(server_db: Database) -> None:
    for statement in ("UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(Exception, match="append-only"):
            async with server_db.write() as conn:
                await conn.execute(text(statement))
