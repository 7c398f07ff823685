"""GET /api/v1/oversight: is someone who may decide for this agent online now?"""

from __future__ import annotations

import httpx

from expacti_server.db.engine import Database
from expacti_server.identity.roles import ReviewerRole
from tests.support.factories import OrgTokens, make_reviewer_token
from tests.support.reviewer import ReviewerScreen
from tests.support.server import ServerProcess


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_availability_follows_who_has_the_app_open(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    bob = await make_reviewer_token(server_db, org, "bob", ReviewerRole.REVIEWER)
    nobody = (await http.get("/api/v1/oversight", headers=org.agent_headers())).json()
    assert (nobody["available"], nobody["reviewers_online"]) == (False, 0)
    assert nobody["within_working_hours"] is None
    assert nobody["working_hours"] is None
    assert (nobody["timeout_seconds"], nobody["timeout_action"]) == (60, "deny")

    screen = await ReviewerScreen.open(f"ws://127.0.0.1:{server.port}", headers=bearer(bob))
    routine = (await http.get("/api/v1/oversight", headers=org.agent_headers())).json()
    assert (routine["available"], routine["eligible_online"]) == (True, 1)
    risky = (
        await http.get(
            "/api/v1/oversight",
            params={"command": "rm -rf --no-preserve-root /"},
            headers=org.agent_headers(),
        )
    ).json()
    assert (risky["available"], risky["min_role"], risky["senior_online"]) == (
        False,
        "senior",
        0,
    )
    await screen.close()


async def test_working_hours_are_reported_and_validated(
    org: OrgTokens, http: httpx.AsyncClient
) -> None:
    every_day = {"timezone": "UTC", "days": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "23:59"}
    set_hours = await http.patch(
        "/api/v1/org", json={"working_hours": every_day}, headers=org.reviewer_headers()
    )
    assert set_hours.status_code == 200, set_hours.text
    seen = (await http.get("/api/v1/oversight", headers=org.agent_headers())).json()
    assert seen["working_hours"]["timezone"] == "UTC"
    assert seen["within_working_hours"] is True
    for bad in (
        {**every_day, "timezone": "Mars/Olympus"},
        {**every_day, "days": [0]},
        {**every_day, "start": "25:00"},
    ):
        refused = await http.patch(
            "/api/v1/org", json={"working_hours": bad}, headers=org.reviewer_headers()
        )
        assert refused.status_code == 422, bad
    cleared = await http.patch(
        "/api/v1/org", json={"working_hours": None}, headers=org.reviewer_headers()
    )
    assert cleared.json()["working_hours"] is None
