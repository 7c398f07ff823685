"""Web sign-in: a reviewer token traded for an HttpOnly session cookie, and its limits."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import select

from expacti_server.db.engine import Database
from expacti_server.identity.models import Credential
from expacti_server.identity.secrets import hash_secret
from expacti_server.identity.service import revoke_credential
from tests.support.factories import OrgTokens
from tests.support.reviewer import CSRF, sign_in


def session_cookie(cookie: str) -> dict[str, str]:
    return {"Cookie": f"expacti_session={cookie}"}


async def test_signing_in_sets_a_strict_httponly_cookie_that_never_carries_the_token(
    org: OrgTokens, http: httpx.AsyncClient
) -> None:
    response = await http.post("/api/v1/session", json={"token": org.reviewer_token}, headers=CSRF)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["reviewer"]["name"] == "alice"
    assert body["org"]["name"] == org.name
    header = response.headers["set-cookie"]
    assert header.startswith("expacti_session=")
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert {"httponly", "path", "max-age"} <= attributes
    assert "samesite=strict" in header.lower()
    assert org.reviewer_token not in header
    http.cookies.clear()


async def test_the_session_authenticates_reads_and_csrf_guarded_changes(
    org: OrgTokens, http: httpx.AsyncClient
) -> None:
    cookie = await sign_in(http, org.reviewer_token)
    me = await http.get("/api/v1/session", headers=session_cookie(cookie))
    assert me.status_code == 200
    assert me.json()["reviewer"]["name"] == "alice"
    assert (await http.get("/api/v1/commands", headers=session_cookie(cookie))).status_code == 200

    # A change by cookie without the header is what a forged cross-site request looks like.
    forged = await http.patch(
        "/api/v1/org", json={"timeout_seconds": 90}, headers=session_cookie(cookie)
    )
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "csrf_check_failed"
    unchanged = await http.get("/api/v1/org", headers=org.reviewer_headers())
    assert unchanged.json()["timeout_seconds"] == 60

    allowed = await http.patch(
        "/api/v1/org", json={"timeout_seconds": 90}, headers={**session_cookie(cookie), **CSRF}
    )
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["timeout_seconds"] == 90


async def test_bad_tokens_agent_tokens_and_missing_header_cannot_sign_in(
    org: OrgTokens, http: httpx.AsyncClient
) -> None:
    unknown = await http.post("/api/v1/session", json={"token": "nope"}, headers=CSRF)
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (401, "unauthenticated")
    agent = await http.post("/api/v1/session", json={"token": org.agent_token}, headers=CSRF)
    assert (agent.status_code, agent.json()["error"]["code"]) == (403, "forbidden")
    no_header = await http.post("/api/v1/session", json={"token": org.reviewer_token})
    assert no_header.json()["error"]["code"] == "csrf_check_failed"
    empty = await http.post("/api/v1/session", json={"token": ""}, headers=CSRF)
    assert empty.status_code == 422
    for response in (unknown, agent, no_header, empty):
        assert "set-cookie" not in response.headers
    assert (await http.get("/api/v1/session")).status_code == 401
    forged = await http.get("/api/v1/session", headers=session_cookie("forged-value"))
    assert forged.status_code == 401


async def test_signing_out_ends_the_session_on_the_server(
    org: OrgTokens, http: httpx.AsyncClient
) -> None:
    cookie = await sign_in(http, org.reviewer_token)
    out = await http.delete("/api/v1/session", headers={**session_cookie(cookie), **CSRF})
    assert out.status_code == 204
    assert "expacti_session=" in out.headers["set-cookie"]  # cleared in the browser too
    # A copy of the cookie kept elsewhere is worthless now.
    assert (await http.get("/api/v1/session", headers=session_cookie(cookie))).status_code == 401
    again = await http.delete("/api/v1/session", headers=session_cookie(cookie))
    assert again.status_code == 204


async def test_revoking_the_token_ends_every_session_made_with_it(
    org: OrgTokens, http: httpx.AsyncClient, server_db: Database
) -> None:
    cookie = await sign_in(http, org.reviewer_token)
    async with server_db.write() as conn:
        credential_id = await conn.scalar(
            select(Credential.id).where(Credential.secret_hash == hash_secret(org.reviewer_token))
        )
        assert credential_id is not None
        await revoke_credential(conn, credential_id=credential_id)
    response = await http.get("/api/v1/session", headers=session_cookie(cookie))
    assert response.status_code == 401


async def test_sign_in_and_out_are_in_the_audit_log(
    org: OrgTokens, http: httpx.AsyncClient
) -> None:
    cookie = await sign_in(http, org.reviewer_token)
    await http.delete("/api/v1/session", headers={**session_cookie(cookie), **CSRF})
    await asyncio.sleep(0)
    events = (await http.get("/api/v1/audit", headers=org.reviewer_headers())).json()["items"]
    actions = [e["action"] for e in events]
    assert "session.started" in actions
    assert "session.ended" in actions
    started = next(e for e in events if e["action"] == "session.started")
    assert started["actor_name"] == "alice"


async def test_signing_in_again_ends_the_browsers_previous_session(
    org: OrgTokens, http: httpx.AsyncClient
) -> None:
    first = await sign_in(http, org.reviewer_token)
    again = await http.post(
        "/api/v1/session",
        json={"token": org.reviewer_token},
        headers={**CSRF, **session_cookie(first)},
    )
    assert again.status_code == 200
    second = again.cookies.get("expacti_session")
    http.cookies.clear()
    assert second
    assert second != first
    assert (await http.get("/api/v1/session", headers=session_cookie(first))).status_code == 401
    assert (await http.get("/api/v1/session", headers=session_cookie(second))).status_code == 200


async def test_no_third_party_script_is_served_on_the_sessions_origin(
    http: httpx.AsyncClient,
) -> None:
    # The Swagger page loaded its script from a CDN; it would run with the session.
    assert (await http.get("/api/docs")).status_code == 404
    assert (await http.get("/api/openapi.json")).status_code == 200
