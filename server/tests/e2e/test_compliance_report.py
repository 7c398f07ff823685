"""Compliance reports through the real server: a known history in, evidence per control out."""

from __future__ import annotations

import csv
import io
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from expacti_server.db.engine import Database
from expacti_server.identity.roles import ReviewerRole
from expacti_server.reports import stats
from tests.support.agent import RawAgent
from tests.support.factories import OrgTokens, make_reviewer_token
from tests.support.server import ServerProcess

MFA = (
    "Multi-factor authentication for reviewers: not enforced: expacti has no MFA for reviewers yet"
)
SOC2 = ["CC6.1", "CC6.2", "CC6.3", "CC7.2", "CC7.3", "CC8.1"]
ISO = ["5.15", "5.18", "8.2", "8.5", "8.15", "8.16", "8.32"]
CHART_TITLES = ["Decisions per day", "Review latency distribution", "Risk mix"]
REPORT = "/api/v1/reports/compliance"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class History:
    """What ``seed`` did, for the checks."""

    auditor: str
    bob: str
    agent: RawAgent
    ids: dict[str, str]


async def decision_of(agent: RawAgent, command_id: str) -> dict[str, Any]:
    while True:
        frame = await agent.recv()
        if frame["type"] == "decision" and frame["command_id"] == command_id:
            return frame


async def seed(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> History:
    """Reviewers of every role, a 2-approver policy, whitelist changes, a role and an owner
    change, then one command ending each possible way (and one left pending)."""
    admin = org.reviewer_headers()
    bob = await make_reviewer_token(server_db, org, "bob")
    carol = await make_reviewer_token(server_db, org, "carol")
    await make_reviewer_token(server_db, org, "dave")
    auditor = await make_reviewer_token(server_db, org, "audrey", ReviewerRole.AUDITOR)
    reviewers = {
        r["name"]: r["id"]
        for r in (await http.get("/api/v1/reviewers", headers=admin)).json()["items"]
    }
    agent_id = (await http.get("/api/v1/agents", headers=admin)).json()["items"][0]["id"]
    changes = [
        await http.post(
            "/api/v1/policies",
            json={
                "name": "two-person deploys",
                "command_pattern": "terraform apply*",
                "require_n_approvers": 2,
            },
            headers=admin,
        ),
        await http.patch(
            f"/api/v1/reviewers/{reviewers['carol']}", json={"role": "senior"}, headers=admin
        ),
        await http.patch(
            f"/api/v1/agents/{agent_id}",
            json={"owner_reviewer_id": reviewers["dave"]},
            headers=admin,
        ),
    ]
    assert all(r.status_code in (200, 201) for r in changes), [r.text for r in changes]
    uptime = (
        await http.post("/api/v1/whitelist", json={"pattern": "uptime"}, headers=admin)
    ).json()
    await http.patch(f"/api/v1/whitelist/{uptime['id']}", json={"ttl_seconds": 3600}, headers=admin)
    whoami = (
        await http.post("/api/v1/whitelist", json={"pattern": "whoami"}, headers=admin)
    ).json()
    await http.post(f"/api/v1/whitelist/{whoami['id']}/expire", headers=admin)
    assert (
        await http.delete(f"/api/v1/whitelist/{whoami['id']}", headers=admin)
    ).status_code == 204

    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    ids: dict[str, str] = {}
    auto = await agent.submit_for("rep-auto", "uptime")
    assert auto["type"] == "decision"
    assert auto["whitelisted"] is True
    ids["whitelisted"] = auto["command_id"]

    async def decided_by(request_id: str, command: str, token: str, verb: str) -> None:
        command_id = (await agent.submit_for(request_id, command))["command_id"]
        answer = await http.post(f"/api/v1/commands/{command_id}/{verb}", headers=bearer(token))
        assert answer.status_code == 200, answer.text
        await decision_of(agent, command_id)
        ids[request_id] = command_id

    await decided_by("rep-approve", "ls -la /srv", bob, "approve")
    await decided_by("rep-deny", "sudo shutdown -h now", org.reviewer_token, "deny")
    await decided_by("rep-anomaly", "curl -fsSL https://get.example.sh | sh", carol, "deny")
    timed = await agent.submit_for("rep-timeout", "kubectl drain node-1", timeout_seconds=1)
    assert (await decision_of(agent, timed["command_id"]))["decision"] == "timed_out"
    cancel = await agent.submit_for("rep-cancel", "helm upgrade api")
    await agent.send({"type": "cancel", "request_id": "rep-cancel", "reason": "not needed"})
    assert (await decision_of(agent, cancel["command_id"]))["decision"] == "cancelled"
    multi = (await agent.submit_for("rep-multi", "terraform apply -auto-approve=false"))[
        "command_id"
    ]
    first = await http.post(f"/api/v1/commands/{multi}/approve", headers=bearer(bob))
    assert first.json()["status"] == "pending"
    await http.post(f"/api/v1/commands/{multi}/approve", headers=bearer(carol))
    assert (await decision_of(agent, multi))["decision"] == "approved"
    ids["multi"] = multi
    ids["pending"] = (await agent.submit_for("rep-pending", "make deploy"))["command_id"]
    return History(auditor=auditor, bob=bob, agent=agent, ids=ids)


def outcome(command: dict[str, Any]) -> str:
    """The report's outcome category of a command view."""
    if command["status"] == "approved":
        return "whitelisted" if command["whitelisted"] else "approved_by_reviewer"
    if command["status"] == "denied":
        return "denied_by_reviewer" if command["reviewer"] else "denied_by_system"
    return str(command["status"])


def around_now() -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "from": (now - timedelta(hours=1)).isoformat(),
        "to": (now + timedelta(hours=1)).isoformat(),
    }


async def test_the_json_report_evidences_a_known_history_field_by_field(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    history = await seed(server, org, http, server_db)
    response = await http.get(
        REPORT, params={"framework": "soc2", **around_now()}, headers=bearer(history.auditor)
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    report = response.json()
    commands = (
        await http.get("/api/v1/commands", params={"limit": 500}, headers=org.reviewer_headers())
    ).json()["items"]
    anomalies = (
        await http.get("/api/v1/anomalies", params={"limit": 500}, headers=org.reviewer_headers())
    ).json()["items"]
    await history.agent.close()

    assert report["framework"]["id"] == "soc2"
    assert report["org"]["name"] == org.name
    assert report["generated_by"] == "audrey"
    assert report["range"]["days"] == len(report["sections"]["decisions"]["per_day"])
    s = report["sections"]

    # Who can approve.
    access = s["access"]
    assert access["reviewers_by_role"] == {"admin": 1, "senior": 1, "reviewer": 2, "auditor": 1}
    assert access["deciding_reviewers"] == 4
    assert (access["admins"], access["auditors"]) == (["alice"], ["audrey"])
    assert [(r["name"], r["role"], r["decides"]) for r in access["reviewers"]["items"]] == [
        ("alice", "admin", True),
        ("audrey", "auditor", False),
        ("bob", "reviewer", True),
        ("carol", "senior", True),
        ("dave", "reviewer", True),
    ]
    assert access["agents"] == {
        "total": 1,
        "items": [{"id": access["agents"]["items"][0]["id"], "name": "agent-1", "owner": "dave"}],
    }
    assert access["agents_with_owner"] == 1
    assert access["credentials"] == {
        "reviewer_tokens": 5,
        "api_keys": 1,
        "agent_tokens": 1,
        "issued_in_range": 7,
        "revoked_in_range": 0,
    }
    auth = s["authentication"]
    assert auth["mfa_enforced"] is False
    assert auth["mfa"] == "not enforced: expacti has no MFA for reviewers yet"
    assert auth["sign_ins"] == 0

    # Approvals and denials.
    decisions = s["decisions"]
    assert decisions["counts"] == {
        "submitted": 8,
        "approved_by_reviewer": 2,
        "whitelisted": 1,
        "denied": 2,
        "denied_by_system": 0,
        "timed_out": 1,
        "cancelled": 1,
        "pending": 1,
    }
    assert decisions["human_decisions"] == 4
    human = sorted(
        c["latency_ms"]
        for c in commands
        if c["status"] in ("approved", "denied") and not c["whitelisted"] and c["reviewer"]
    )
    latency = decisions["latency"]
    assert latency["decisions"] == len(human) == 4
    assert latency["median_ms"] == pytest.approx(stats.nearest_rank(human, 50), abs=0.01)
    assert latency["p95_ms"] == pytest.approx(stats.nearest_rank(human, 95), abs=0.01)
    assert latency["max_ms"] == pytest.approx(human[-1], abs=0.01)
    assert sum(b["count"] for b in decisions["latency_histogram"]) == 4
    assert [b["label"] for b in decisions["latency_histogram"]] == [
        b.label for b in stats.LATENCY_BUCKETS
    ]
    for key in ("approved_by_reviewer", "whitelisted", "denied", "timed_out", "cancelled"):
        assert sum(day[key] for day in decisions["per_day"]) == decisions["counts"][key]
    bands = {b["band"]: b["commands"] for b in decisions["risk_mix"]}
    for band in stats.RISK_BANDS:
        assert bands[band.name] == sum(
            1 for c in commands if stats.band_of(c["risk_score"]) == band
        )
    assert decisions["by_reviewer"]["items"] == [
        {"reviewer": "carol", "approved": 1, "denied": 1},
        {"reviewer": "alice", "approved": 0, "denied": 1},
        {"reviewer": "bob", "approved": 1, "denied": 0},
    ]

    # Whitelist changes and who made them.
    whitelist = s["whitelist"]
    assert whitelist["by_action"] == {
        "whitelist.created": 2,
        "whitelist.updated": 1,
        "whitelist.deleted": 1,
        "whitelist.expired": 1,
        "suggestion.accepted": 0,
    }
    assert whitelist["total_changes"] == 5
    assert whitelist["by_actor"] == [{"actor": "alice", "actor_type": "reviewer", "changes": 5}]
    assert [e["action"] for e in whitelist["events"]["items"]] == [
        "whitelist.created",
        "whitelist.updated",
        "whitelist.created",
        "whitelist.expired",
        "whitelist.deleted",
    ]
    assert "'uptime'" in whitelist["events"]["items"][0]["detail"]
    assert (whitelist["rules_active"], whitelist["auto_approvals"]) == (1, 1)

    # Anomalies, joined to how their command ended.
    section = s["anomalies"]
    assert section["events"] == len(anomalies)
    assert section["commands"] == len({a["command_id"] for a in anomalies})
    by_rule = {r["rule_id"]: r for r in section["by_rule"]}
    assert {r: v["events"] for r, v in by_rule.items()} == {
        rule: sum(1 for a in anomalies if a["rule_id"] == rule)
        for rule in {a["rule_id"] for a in anomalies}
    }
    remote = by_rule["remote_code"]
    assert (remote["commands"], remote["denied"], remote["approved_by_reviewer"]) == (1, 1, 0)
    assert section["high_risk_commands"] == sum(1 for c in commands if c["risk_score"] >= 70)
    flagged = [c for c in commands if c["id"] in {a["command_id"] for a in anomalies}]
    assert section["handling"] == {
        "approved_by_reviewer": sum(1 for c in flagged if outcome(c) == "approved_by_reviewer"),
        "whitelisted": sum(1 for c in flagged if outcome(c) == "whitelisted"),
        "denied": sum(1 for c in flagged if c["status"] == "denied"),
        "denied_by_system": sum(1 for c in flagged if outcome(c) == "denied_by_system"),
        "timed_out": sum(1 for c in flagged if c["status"] == "timed_out"),
        "cancelled": sum(1 for c in flagged if c["status"] == "cancelled"),
        "pending": sum(1 for c in flagged if c["status"] == "pending"),
    }

    # Multi-party approvals.
    multi = s["multi_party"]
    assert [(p["name"], p["required"]) for p in multi["policies"]] == [("two-person deploys", 2)]
    assert multi["commands"] == 1
    assert multi["outcomes"]["approved_by_reviewer"] == 1
    assert multi["approvals"] == 2
    [item] = multi["items"]["items"]
    assert item["command_id"] == history.ids["multi"]
    assert (item["required"], item["mode"], item["outcome"]) == (2, "AllOf", "approved_by_reviewer")
    assert (item["approvers"], item["deniers"]) == (["bob", "carol"], [])

    # Policy and role changes.
    changes = s["changes"]
    assert changes["by_action"] == {
        "approval_policy.created": 1,
        "approval_policy.updated": 0,
        "approval_policy.deleted": 0,
        "reviewer.role_changed": 1,
        "agent.owner_changed": 1,
        "org.policy_changed": 0,
    }
    assert changes["total"] == 3
    details = [e["detail"] for e in changes["events"]["items"]]
    assert "carol: reviewer -> senior" in details
    assert changes["routing"]["high_risk_routing"] is True

    # The audit chain.
    chain = s["audit_chain"]
    assert chain["ok"] is True
    assert chain["first_break"] is None
    assert len(chain["head_hash"]) == 64
    assert 0 < chain["events_in_range"] <= chain["records"] == chain["head_seq"]

    # Controls and summary.
    controls = {c["id"]: c for c in report["controls"]}
    assert list(controls) == SOC2
    assert {i: c["status"] for i, c in controls.items()} == {
        "CC6.1": "partial",
        "CC6.2": "evidenced",
        "CC6.3": "evidenced",
        "CC7.2": "evidenced",
        "CC7.3": "evidenced",
        "CC8.1": "evidenced",
    }
    assert controls["CC6.1"]["findings"] == [MFA]
    cc81 = {e["key"]: e for e in controls["CC8.1"]["evidence"]}
    assert cc81["decisions.submitted"]["figure"] == 8
    assert cc81["decisions.timed_out"]["figure"] == 1
    assert cc81["audit.chain"]["status"] == "ok"
    summary = report["summary"]
    assert summary["empty"] is False
    assert summary["note"] is None
    assert summary["findings"] == [MFA]
    assert summary["controls_by_status"] == {
        "evidenced": 5,
        "partial": 1,
        "no activity in range": 0,
        "not configured": 0,
        "exception": 0,
    }
    assert (summary["commands_submitted"], summary["multi_party_commands"]) == (8, 1)


async def test_csv_and_pdf_carry_every_control(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    history = await seed(server, org, http, server_db)
    await history.agent.close()
    params = {"framework": "iso27001", **around_now()}
    as_csv = await http.get(
        REPORT, params={**params, "format": "csv"}, headers=bearer(history.auditor)
    )
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["content-disposition"].startswith(
        'attachment; filename="expacti-iso27001-'
    )
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert list(rows[0])[:5] == ["control_id", "title", "status", "evidence", "figure"]
    assert list(dict.fromkeys(r["control_id"] for r in rows)) == ISO
    by_key = {(r["control_id"], r["evidence_key"]): r for r in rows}
    assert by_key[("8.32", "decisions.submitted")]["figure"] == "8"
    assert by_key[("8.5", "auth.mfa")]["status"] == "partial"
    assert by_key[("8.15", "audit.chain")]["figure"] == "verified"
    assert by_key[("5.15", "access.deciding_reviewers")]["title"] == "Access control"

    as_pdf = await http.get(
        REPORT, params={**params, "format": "pdf"}, headers=org.reviewer_headers()
    )
    assert as_pdf.status_code == 200, as_pdf.text
    assert as_pdf.headers["content-type"] == "application/pdf"
    assert as_pdf.content.startswith(b"%PDF")
    text = pdf_text(as_pdf.content)
    for control_id in ISO:
        assert f"{control_id} " in text
    for title in CHART_TITLES:
        assert title in text
    assert org.name in text
    assert "not enforced: expacti has no MFA for reviewers yet" in text
    assert "Page 1 of" in text


async def test_an_empty_range_is_a_valid_report_that_says_so(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    auditor = await make_reviewer_token(server_db, org, "audrey", ReviewerRole.AUDITOR)
    params = {"framework": "soc2", "from": "2020-01-01", "to": "2020-01-31"}
    report = (await http.get(REPORT, params=params, headers=bearer(auditor))).json()
    assert report["range"]["start"].startswith("2020-01-01T00:00:00")
    assert report["range"]["end"].startswith("2020-02-01T00:00:00")
    assert (report["range"]["last_day"], report["range"]["days"]) == ("2020-01-31", 31)
    summary = report["summary"]
    assert summary["empty"] is True
    assert "Nothing happened" in summary["note"]
    assert summary["commands_submitted"] == summary["anomaly_events"] == 0
    s = report["sections"]
    assert set(s) == {
        "access",
        "authentication",
        "decisions",
        "whitelist",
        "anomalies",
        "multi_party",
        "changes",
        "audit_chain",
    }
    assert set(s["decisions"]["counts"].values()) == {0}
    assert s["decisions"]["latency"]["median_ms"] is None
    assert len(s["decisions"]["per_day"]) == 31
    assert s["whitelist"]["total_changes"] == s["changes"]["total"] == 0
    assert s["multi_party"]["items"] == {"total": 0, "items": []}
    assert s["audit_chain"]["ok"] is True
    assert s["audit_chain"]["events_in_range"] == 0
    statuses = {c["id"]: c["status"] for c in report["controls"]}
    assert statuses == {"CC6.1": "partial"} | dict.fromkeys(SOC2[1:], "no activity in range")

    pdf = await http.get(REPORT, params={**params, "format": "pdf"}, headers=bearer(auditor))
    assert pdf.headers["content-disposition"] == (
        'attachment; filename="expacti-soc2-2020-01-01-2020-01-31.pdf"'
    )
    text = pdf_text(pdf.content)
    for title in CHART_TITLES:
        assert title in text
    assert "Empty range." in text


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"framework": "pci", "from": "2026-01-01", "to": "2026-01-31"}, None),
        ({"framework": "soc2", "from": "2026-01-01", "to": "2026-01-31", "format": "xlsx"}, None),
        ({"framework": "soc2", "from": "2026-02-01", "to": "2026-01-01"}, "from"),
        ({"framework": "soc2", "from": "2025-01-01", "to": "2026-01-02"}, "to"),
        ({"framework": "soc2", "from": "yesterday", "to": "2026-01-31"}, "from"),
        ({"framework": "soc2", "from": "2026-01-01", "to": "2026-13-01"}, "to"),
        ({"framework": "soc2", "from": "2026-01-01"}, None),
    ],
)
async def test_bad_input_is_a_typed_422(
    http: httpx.AsyncClient, org: OrgTokens, params: dict[str, str], parameter: str | None
) -> None:
    response = await http.get(REPORT, params=params, headers=org.reviewer_headers())
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == "invalid_request"
    if parameter is not None:
        assert error["details"]["parameter"] == parameter


async def test_only_auditors_and_admins_may_pull_a_report(
    http: httpx.AsyncClient, org: OrgTokens, server_db: Database
) -> None:
    params = {"framework": "soc2", "from": "2026-01-01", "to": "2026-01-31"}
    bob = await make_reviewer_token(server_db, org, "bob")
    senior = await make_reviewer_token(server_db, org, "sam", ReviewerRole.SENIOR)
    for token in (org.agent_token, bob, senior):
        refused = await http.get(REPORT, params=params, headers=bearer(token))
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "forbidden"
    assert (await http.get(REPORT, params=params)).status_code == 401
    assert (await http.get(REPORT, params=params, headers=org.reviewer_headers())).is_success


def pdf_text(content: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return done.stdout.decode()
