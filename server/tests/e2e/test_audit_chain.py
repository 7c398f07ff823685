"""The audit chain over HTTP: verification and export, for auditors and admins only."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import httpx

from expacti_server.audit.chain import GENESIS, link_hash
from expacti_server.db.engine import Database
from expacti_server.identity.roles import ReviewerRole
from tests.support.agent import RawAgent
from tests.support.factories import OrgTokens, make_reviewer_token
from tests.support.server import ServerProcess


async def busy_org(server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    for i in range(3):
        accepted = await agent.submit_for(f"a-{i}", f"echo {i}")
        verb = "approve" if i % 2 == 0 else "deny"
        await http.post(
            f"/api/v1/commands/{accepted['command_id']}/{verb}", headers=org.reviewer_headers()
        )
        await agent.recv()
    await agent.close()


async def test_verify_reports_an_intact_chain_to_admins_and_auditors(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    await busy_org(server, org, http)
    admin = await http.post("/api/v1/audit/verify", headers=org.reviewer_headers())
    assert admin.status_code == 200, admin.text
    body = admin.json()
    assert body["ok"] is True
    assert body["first_break"] is None
    assert body["records"] == body["head_seq"] >= 7
    assert len(body["head_hash"]) == 64

    auditor = await make_reviewer_token(server_db, org, "ada", ReviewerRole.AUDITOR)
    seen = await http.post("/api/v1/audit/verify", headers={"Authorization": f"Bearer {auditor}"})
    assert seen.status_code == 200
    reviewer = await make_reviewer_token(server_db, org, "rob", ReviewerRole.REVIEWER)
    for token in (reviewer, org.agent_token):
        refused = await http.post(
            "/api/v1/audit/verify", headers={"Authorization": f"Bearer {token}"}
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "forbidden"


async def test_an_export_carries_the_chain_and_can_be_checked_on_its_own(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    await busy_org(server, org, http)
    response = await http.get(
        "/api/v1/audit/export", params={"format": "jsonl"}, headers=org.reviewer_headers()
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jsonl")
    assert "attachment" in response.headers["content-disposition"]
    records = [json.loads(line) for line in response.text.splitlines()]
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    prev = GENESIS
    for record in records:
        record["at"] = datetime.fromisoformat(record["at"])
        assert record["prev_hash"] == prev
        assert link_hash(prev, record) == record["hash"]
        prev = record["hash"]
    verified = (await http.post("/api/v1/audit/verify", headers=org.reviewer_headers())).json()
    assert prev == verified["head_hash"]

    as_csv = await http.get(
        "/api/v1/audit/export", params={"format": "csv"}, headers=org.reviewer_headers()
    )
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [int(r["seq"]) for r in rows] == [r["seq"] for r in records]
    assert rows[1]["hash"] == records[1]["hash"]
    assert json.loads(rows[1]["data"]) == records[1]["data"]


async def test_an_export_is_limited_to_its_time_range(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    await busy_org(server, org, http)
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    empty = await http.get(
        "/api/v1/audit/export",
        params={"format": "jsonl", "from": future},
        headers=org.reviewer_headers(),
    )
    assert (empty.status_code, empty.text) == (200, "")
    header_only = await http.get(
        "/api/v1/audit/export",
        params={"format": "csv", "from": future},
        headers=org.reviewer_headers(),
    )
    assert header_only.text.splitlines() == [
        "id,org_id,seq,at,actor_type,actor_id,actor_name,action,command_id,rule_id,data,prev_hash,hash"
    ]
    backwards = await http.get(
        "/api/v1/audit/export",
        params={"from": future, "to": "2020-01-01T00:00:00Z"},
        headers=org.reviewer_headers(),
    )
    assert backwards.status_code == 422
    unknown = await http.get(
        "/api/v1/audit/export", params={"format": "xml"}, headers=org.reviewer_headers()
    )
    assert unknown.status_code == 422
