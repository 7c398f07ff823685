"""Agent sessions: stored as commands arrive, listed, linked from each command, ended."""

from __future__ import annotations

from typing import Any

import httpx

from expacti_server.db.engine import Database
from tests.support.agent import RawAgent
from tests.support.factories import OrgTokens, make_agent_token
from tests.support.reviewer import ReviewerScreen
from tests.support.server import ServerProcess

STEPS = ["build", "push", "migrate", "roll out"]


def session(step: int) -> dict[str, Any]:
    return {
        "id": "deploy-231",
        "goal": "deploy v2.3.1 to staging",
        "steps": STEPS,
        "current_step": step,
    }


async def test_a_session_tells_the_reviewer_what_ran_and_what_remains(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    screen = await ReviewerScreen.open(
        f"ws://127.0.0.1:{server.port}", headers=org.reviewer_headers()
    )
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    build = await agent.submit_for("s-1", "make build", session=session(0))
    await http.post(
        f"/api/v1/commands/{build['command_id']}/approve", headers=org.reviewer_headers()
    )
    push = await agent.submit_for("s-2", "docker push registry/app:2.3.1", session=session(1))
    await http.post(
        f"/api/v1/commands/{push['command_id']}/deny",
        json={"note": "wrong tag"},
        headers=org.reviewer_headers(),
    )
    retry = await agent.submit_for("s-3", "docker push registry/app:v2.3.1", session=session(1))
    card = (await screen.next_of("pending", retry["command_id"]))["command"]
    assert card["session"]["goal"] == "deploy v2.3.1 to staging"
    assert card["session"]["current_step"] == 1
    session_id = card["session_id"]
    assert session_id

    detail = (
        await http.get(f"/api/v1/sessions/{session_id}", headers=org.reviewer_headers())
    ).json()
    assert (detail["goal"], detail["steps"], detail["current_step"], detail["status"]) == (
        "deploy v2.3.1 to staging",
        STEPS,
        1,
        "active",
    )
    assert [(c["command"], c["status"], c["step"]) for c in detail["items"]] == [
        ("make build", "approved", 0),
        ("docker push registry/app:2.3.1", "denied", 1),
        ("docker push registry/app:v2.3.1", "pending", 1),
    ]

    await agent.send({"type": "session_end", "session_id": "deploy-231", "status": "failed"})
    await agent.send({"type": "ping", "nonce": "after-end"})
    assert (await agent.recv())["type"] in ("pong", "decision")
    listed = (await http.get("/api/v1/sessions", headers=org.reviewer_headers())).json()
    mine = [s for s in listed["items"] if s["id"] == session_id]
    assert mine
    assert mine[0]["status"] == "failed"
    assert mine[0]["commands"] == 3
    assert mine[0]["ended_at"]
    await screen.close()
    await agent.close()


async def test_bad_session_input_is_refused_and_agents_see_only_their_own(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    too_long = await agent.submit_for("s-9", "ls", session={"id": "x" * 129})
    assert (too_long["type"], too_long["code"]) == ("error", "invalid_frame")
    await agent.send({"type": "session_end", "session_id": "never-started", "status": "completed"})
    error = await agent.recv()
    assert error["type"] == "error"
    assert error["code"] == "not_found"
    await agent.send({"type": "session_end", "session_id": "x", "status": "maybe"})
    assert (await agent.recv())["code"] == "invalid_frame"

    await agent.submit_for("s-10", "ls", session={"id": "mine"})
    other_token = await make_agent_token(server_db, org, "agent-2")
    theirs = await http.get("/api/v1/sessions", headers={"Authorization": f"Bearer {other_token}"})
    assert theirs.json()["items"] == []
    # The HTTP twin refuses what the socket refuses, and changes nothing then.
    without_status = await http.post(
        "/api/v1/sessions/end", json={"session_id": "mine"}, headers=org.agent_headers()
    )
    assert without_status.status_code == 422
    assert without_status.json()["error"]["code"] == "invalid_request"
    sessions = await http.get("/api/v1/sessions", headers=org.agent_headers())
    assert [s["status"] for s in sessions.json()["items"] if s["client_id"] == "mine"] == ["active"]
    ended = await http.post(
        "/api/v1/sessions/end",
        json={"session_id": "mine", "status": "completed"},
        headers=org.agent_headers(),
    )
    assert ended.status_code == 204
    await agent.close()
