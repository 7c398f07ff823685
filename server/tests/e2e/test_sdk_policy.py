"""Policy features through the Python SDK against the real server: edit before approve,
sessions, multi-party progress and oversight."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from expacti import AsyncExpactiClient, Progress

from expacti_server.db.engine import Database
from expacti_server.identity.roles import ReviewerRole
from tests.e2e.test_lifecycle import pending_id
from tests.e2e.test_sdk import _expacti_run
from tests.support.factories import OrgTokens, make_reviewer_token
from tests.support.server import ServerProcess


async def test_the_agent_receives_and_runs_the_edited_command_never_the_original(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    original, edited = tmp_path / "original", tmp_path / "edited"
    process = _expacti_run(server, org.agent_token, "--", "touch", str(original))
    command_id = await pending_id(http, org, f"touch {original}")
    approved = await http.post(
        f"/api/v1/commands/{command_id}/approve",
        json={"command": f"touch {edited}", "note": "wrong file"},
        headers=org.reviewer_headers(),
    )
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["edited"], body["approved_command"], body["command"]) == (
        True,
        f"touch {edited}",
        f"touch {original}",
    )
    _, stderr = await asyncio.to_thread(process.communicate, timeout=30)
    assert process.returncode == 0, stderr
    assert edited.exists()
    assert not original.exists()
    assert f"edited by alice: touch {edited}" in stderr

    trail = await http.get(f"/api/v1/commands/{command_id}/audit", headers=org.reviewer_headers())
    edits = [e for e in trail.json()["items"] if e["action"] == "command.edited"]
    assert [(e["data"]["before"], e["data"]["after"]) for e in edits] == [
        (f"touch {original}", f"touch {edited}")
    ]


async def test_the_async_client_returns_the_edit_and_an_edit_never_loosens_routing(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    bob = await make_reviewer_token(server_db, org, "bob", ReviewerRole.REVIEWER)
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        waiting = asyncio.create_task(client.run("ls /srv/app", raise_on_deny=False))
        command_id = await pending_id(http, org, "ls /srv/app")
        # Bob may decide `ls`, but not the high-risk command he would turn it into.
        refused = await http.post(
            f"/api/v1/commands/{command_id}/approve",
            json={"command": "rm -rf --no-preserve-root /"},
            headers={"Authorization": f"Bearer {bob}"},
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "not_eligible"
        blank = await http.post(
            f"/api/v1/commands/{command_id}/approve",
            json={"command": "  "},
            headers={"Authorization": f"Bearer {bob}"},
        )
        assert blank.status_code == 422
        ok = await http.post(
            f"/api/v1/commands/{command_id}/approve",
            json={"command": "ls -la /srv/app"},
            headers={"Authorization": f"Bearer {bob}"},
        )
        assert ok.status_code == 200, ok.text
        decision = await asyncio.wait_for(waiting, 30)
    assert decision.approved
    assert decision.edited
    assert decision.command == "ls -la /srv/app"
    assert decision.original_command == "ls /srv/app"
    assert decision.approvers == ("bob",)


async def test_session_progress_and_oversight_through_the_sdk(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    bob = await make_reviewer_token(server_db, org, "bob", ReviewerRole.REVIEWER)
    created = await http.post(
        "/api/v1/policies",
        json={
            "name": "two for migrations",
            "command_pattern": "make migrate*",
            "require_n_approvers": 2,
        },
        headers=org.reviewer_headers(),
    )
    assert created.status_code == 201, created.text
    seen: list[Progress] = []
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        availability = await client.oversight()
        assert availability.available is False  # nobody has the app open
        assert availability.timeout_seconds == 60
        async with client.session(
            goal="deploy v2.3.1 to staging", steps=["build", "migrate"]
        ) as session:
            build = asyncio.create_task(session.run("make build", step="build"))
            build_id = await pending_id(http, org, "make build")
            await http.post(f"/api/v1/commands/{build_id}/approve", headers=org.reviewer_headers())
            await asyncio.wait_for(build, 30)
            migrate = asyncio.create_task(
                session.run("make migrate", step="migrate", on_progress=seen.append)
            )
            migrate_id = await pending_id(http, org, "make migrate")
            await http.post(
                f"/api/v1/commands/{migrate_id}/approve", headers=org.reviewer_headers()
            )
            for _ in range(100):
                if seen:
                    break
                await asyncio.sleep(0.05)
            await http.post(
                f"/api/v1/commands/{migrate_id}/approve",
                headers={"Authorization": f"Bearer {bob}"},
            )
            decision = await asyncio.wait_for(migrate, 30)
            session_client_id = session.id
    assert decision.approvers == ("alice", "bob")
    assert [(p.approvals, p.required, p.approvers) for p in seen] == [(1, 2, ("alice",))]

    card = (await http.get(f"/api/v1/commands/{migrate_id}", headers=org.reviewer_headers())).json()
    stored = (
        await http.get(f"/api/v1/sessions/{card['session_id']}", headers=org.reviewer_headers())
    ).json()
    assert stored["client_id"] == session_client_id
    assert (stored["goal"], stored["status"], stored["current_step"]) == (
        "deploy v2.3.1 to staging",
        "completed",
        1,
    )
    assert [(c["command"], c["status"], c["step"]) for c in stored["items"]] == [
        ("make build", "approved", 0),
        ("make migrate", "approved", 1),
    ]
