"""End-to-end encrypted commands and reviewer keys, through the real server."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from expacti import (
    AsyncExpactiClient,
    CommandDeniedException,
    ExpactiClient,
    ExpactiEncryptionError,
)
from sqlalchemy import select

from expacti_server.audit.models import AuditEvent
from expacti_server.commands.models import Command
from expacti_server.db.engine import Database
from expacti_server.identity.secrets import CredentialKind
from expacti_server.identity.service import issue_credential
from tests.e2e.test_lifecycle import pending_id
from tests.support.agent import RawAgent
from tests.support.factories import OrgTokens
from tests.support.keys import b64, decrypt, encrypt, new_private_key, spki_b64
from tests.support.reviewer import ReviewerScreen, sign_in
from tests.support.server import ServerProcess

SECRET_COMMAND = "psql -c \"UPDATE accounts SET balance = 0 WHERE id = 'acme-7f3'\""


async def register(
    http: httpx.AsyncClient, org: OrgTokens, key: rsa.RSAPrivateKey, **fields: Any
) -> dict[str, Any]:
    response = await http.post(
        "/api/v1/keys",
        json={"public_key": spki_b64(key), **fields},
        headers=org.reviewer_headers(),
    )
    assert response.status_code == 201, response.text
    view: dict[str, Any] = response.json()
    return view


async def active_keys(http: httpx.AsyncClient, org: OrgTokens) -> list[dict[str, Any]]:
    response = await http.get("/api/v1/keys", headers=org.agent_headers())
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def stored_text(database: Database, command_id: str) -> str:
    """Everything the database holds about one command, as text."""
    async with database.read() as conn:
        command = (await conn.execute(select(Command).where(Command.id == command_id))).one()
        events = (
            await conn.execute(select(AuditEvent).where(AuditEvent.command_id == command_id))
        ).all()
    return repr(command._mapping) + repr([e._mapping for e in events])


# ---------------------------------------------------------------------- keys


async def test_a_reviewer_registers_a_key_and_agents_can_list_it(
    http: httpx.AsyncClient, org: OrgTokens
) -> None:
    key = new_private_key()
    view = await register(http, org, key, label="laptop")
    assert view["id"].startswith("key_")
    assert view["reviewer"]["name"] == "alice"
    assert (view["bits"], view["alg"], view["label"]) == (2048, "RSA-OAEP-256", "laptop")
    assert view["public_key"] == spki_b64(key)
    assert view["revoked_at"] is None
    assert [k["id"] for k in await active_keys(http, org)] == [view["id"]]

    again = await http.post(
        "/api/v1/keys", json={"public_key": spki_b64(key)}, headers=org.reviewer_headers()
    )
    assert (again.status_code, again.json()["id"]) == (200, view["id"])

    by_agent = await http.post(
        "/api/v1/keys", json={"public_key": spki_b64(key)}, headers=org.agent_headers()
    )
    assert by_agent.status_code == 403

    audit = await http.get(
        "/api/v1/audit", params={"action": "key.registered"}, headers=org.reviewer_headers()
    )
    events = audit.json()["items"]
    assert [e["data"]["key_id"] for e in events] == [view["id"]]


def _ec_spki() -> str:
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    return b64(
        public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


@pytest.mark.parametrize(
    ("public_key", "says"),
    [
        ("not base64 at all!", "not valid base64"),
        (b64(b"\x30\x03\x02\x01\x00"), "SubjectPublicKeyInfo"),
        ("ec", "must be an RSA key"),
        ("rsa1024", "2048-8192 bits, not 1024"),
    ],
)
async def test_bad_keys_are_typed_errors_that_store_nothing(
    http: httpx.AsyncClient, org: OrgTokens, public_key: str, says: str
) -> None:
    if public_key == "ec":
        public_key = _ec_spki()
    elif public_key == "rsa1024":
        public_key = spki_b64(new_private_key(1024))
    response = await http.post(
        "/api/v1/keys", json={"public_key": public_key}, headers=org.reviewer_headers()
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_public_key"
    assert says in error["message"]
    assert error["details"]["field"] == "public_key"
    assert await active_keys(http, org) == []


async def test_revoking_a_key_stops_encryption_for_it(
    server: ServerProcess, server_db: Database, http: httpx.AsyncClient, org: OrgTokens
) -> None:
    key = new_private_key()
    view = await register(http, org, key)
    async with server_db.write() as conn:
        bob = await issue_credential(
            conn, org_name=org.name, kind=CredentialKind.REVIEWER_TOKEN, principal_name="bob"
        )
    not_bobs = await http.delete(
        f"/api/v1/keys/{view['id']}", headers={"Authorization": f"Bearer {bob.secret}"}
    )
    assert not_bobs.status_code == 403
    by_agent = await http.delete(f"/api/v1/keys/{view['id']}", headers=org.agent_headers())
    assert by_agent.status_code == 403

    revoked = await http.delete(f"/api/v1/keys/{view['id']}", headers=org.reviewer_headers())
    assert revoked.status_code == 204
    again = await http.delete(f"/api/v1/keys/{view['id']}", headers=org.reviewer_headers())
    assert again.status_code == 204  # idempotent, and audited once
    assert await active_keys(http, org) == []
    missing = await http.delete("/api/v1/keys/key_nope", headers=org.reviewer_headers())
    assert missing.status_code == 404

    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    reply = await agent.submit(
        "r-revoked", "label", encrypted=encrypt("ls", {view["id"]: key.public_key()})
    )
    await agent.close()
    assert (reply["type"], reply["code"]) == ("error", "invalid_frame")
    assert reply["details"]["field"] == "encrypted.recipients[0].key_id"
    audit = await http.get(
        "/api/v1/audit", params={"action": "key.revoked"}, headers=org.reviewer_headers()
    )
    assert [e["data"]["key_id"] for e in audit.json()["items"]] == [view["id"]]


# ------------------------------------------------------------------ commands


async def test_an_encrypted_command_reaches_reviewers_as_ciphertext_only(
    server: ServerProcess, server_db: Database, http: httpx.AsyncClient, org: OrgTokens
) -> None:
    alice_key, laptop_key = new_private_key(), new_private_key()
    alice = await register(http, org, alice_key)
    laptop = await register(http, org, laptop_key, label="second device")
    envelope = encrypt(
        SECRET_COMMAND,
        {alice["id"]: alice_key.public_key(), laptop["id"]: laptop_key.public_key()},
    )
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    accepted = await agent.submit(
        "r-e2e", "db fix for ticket OPS-9", target="prod-db", encrypted=envelope
    )
    assert accepted["type"] == "accepted", accepted
    command_id = accepted["command_id"]

    view = (await http.get(f"/api/v1/commands/{command_id}", headers=org.reviewer_headers())).json()
    assert view["command"] == "db fix for ticket OPS-9"
    assert (view["parts"], view["suggestions"]) == ([], [])
    assert (view["risk_score"], view["anomalies"]) == (50, ["encrypted"])
    assert view["encrypted"] == envelope
    # Either reviewer's browser reads the exact command; the server never could.
    assert decrypt(view["encrypted"], alice["id"], alice_key) == SECRET_COMMAND
    assert decrypt(view["encrypted"], laptop["id"], laptop_key) == SECRET_COMMAND

    listed = await http.get(
        "/api/v1/commands", params={"q": "OPS-9"}, headers=org.reviewer_headers()
    )
    assert [c["encrypted"] for c in listed.json()["items"]] == [envelope]
    trail = await http.get(f"/api/v1/commands/{command_id}/audit", headers=org.reviewer_headers())
    submitted = trail.json()["items"][0]
    assert submitted["data"]["encrypted"] == {
        "alg": "RSA-OAEP-256+A256GCM",
        "key_ids": [alice["id"], laptop["id"]],
    }

    approved = await http.post(
        f"/api/v1/commands/{command_id}/approve", headers=org.reviewer_headers()
    )
    assert approved.status_code == 200
    decision = await agent.recv()
    await agent.close()
    assert (decision["type"], decision["approved"], decision["anomalies"]) == (
        "decision",
        True,
        ["encrypted"],
    )
    for fragment in (SECRET_COMMAND, "acme-7f3", "balance = 0"):
        assert fragment not in await stored_text(server_db, command_id)
        assert fragment not in trail.text
        assert fragment not in server.log()


async def test_the_reviewer_feed_pushes_the_envelope_to_the_browser(
    server: ServerProcess, http: httpx.AsyncClient, org: OrgTokens
) -> None:
    key = new_private_key()
    view = await register(http, org, key)
    cookie = await sign_in(http, org.reviewer_token)
    screen = await ReviewerScreen.open(server.http_url.replace("http", "ws", 1), cookie=cookie)
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    envelope = encrypt(SECRET_COMMAND, {view["id"]: key.public_key()})
    accepted = await agent.submit("r-feed", "encrypted command", encrypted=envelope)
    pushed = (await screen.next_of("pending", accepted["command_id"]))["command"]
    assert (pushed["command"], pushed["encrypted"]) == ("encrypted command", envelope)
    assert decrypt(pushed["encrypted"], view["id"], key) == SECRET_COMMAND
    await http.post(
        f"/api/v1/commands/{accepted['command_id']}/deny", headers=org.reviewer_headers()
    )
    decided = (await screen.next_of("decided", accepted["command_id"]))["command"]
    assert decided["encrypted"] == envelope
    await screen.close()
    await agent.close()


async def test_an_encrypted_command_is_never_whitelisted(
    server: ServerProcess, http: httpx.AsyncClient, org: OrgTokens
) -> None:
    key = new_private_key()
    view = await register(http, org, key)
    rule = await http.post(
        "/api/v1/whitelist", json={"pattern": "git status"}, headers=org.reviewer_headers()
    )
    assert rule.status_code == 201
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    plain = await agent.submit("r-plain", "git status")
    assert (plain["type"], plain["whitelisted"]) == ("decision", True)
    for label in ("git status", "encrypted command"):
        reply = await agent.submit(
            f"r-enc-{label.replace(' ', '-')}",
            label,
            encrypted=encrypt("git status", {view["id"]: key.public_key()}),
        )
        assert reply["type"] == "accepted", reply  # waits for a human

    # Approve-and-whitelist needs an explicit pattern: the server does not know the text.
    command_id = reply["command_id"]
    refused = await http.post(
        f"/api/v1/commands/{command_id}/approve",
        json={"whitelist": {}, "confirm_denied_matches": True},
        headers=org.reviewer_headers(),
    )
    assert refused.status_code == 422
    assert "whitelist.pattern" in refused.json()["error"]["message"]
    state = await http.get(f"/api/v1/commands/{command_id}", headers=org.reviewer_headers())
    assert state.json()["status"] == "pending"
    await agent.close()


async def test_the_http_binding_takes_the_same_envelope(
    http: httpx.AsyncClient, org: OrgTokens
) -> None:
    key = new_private_key()
    view = await register(http, org, key)
    envelope = encrypt(SECRET_COMMAND, {view["id"]: key.public_key()})
    body = {"request_id": "h-e2e", "command": "encrypted command", "encrypted": envelope}
    created = await http.post("/api/v1/commands", json=body, headers=org.agent_headers())
    assert created.status_code == 201, created.text
    assert created.json()["encrypted"] == envelope
    resumed = await http.post("/api/v1/commands", json=body, headers=org.agent_headers())
    assert (resumed.status_code, resumed.json()["id"]) == (200, created.json()["id"])
    other = {**body, "encrypted": encrypt("ls", {view["id"]: key.public_key()})}
    conflict = await http.post("/api/v1/commands", json=other, headers=org.agent_headers())
    assert conflict.json()["error"]["code"] == "request_id_conflict"
    assert decrypt(created.json()["encrypted"], view["id"], key) == SECRET_COMMAND


def _bad(envelope: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**json.loads(json.dumps(envelope)), **changes}


async def test_bad_envelopes_are_typed_errors_that_create_nothing(
    server: ServerProcess, http: httpx.AsyncClient, org: OrgTokens
) -> None:
    key = new_private_key()
    view = await register(http, org, key)
    good = encrypt("ls", {view["id"]: key.public_key()})
    cases: list[tuple[dict[str, Any], str]] = [
        (_bad(good, alg="A128CBC"), "encrypted.alg"),
        (_bad(good, iv="!!"), "encrypted.iv"),
        (_bad(good, iv=b64(b"short")), "encrypted.iv"),
        (_bad(good, ciphertext=b64(b"tiny")), "encrypted.ciphertext"),
        (_bad(good, recipients=[]), "encrypted.recipients"),
        (_bad(good, recipients=[good["recipients"][0]] * 2), "encrypted.recipients[1].key_id"),
        (
            _bad(good, recipients=[{"key_id": view["id"], "wrapped_key": b64(bytes(512))}]),
            "encrypted.recipients[0].wrapped_key",
        ),
    ]
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    for i, (envelope, field) in enumerate(cases):
        ws = await agent.submit(f"r-bad-{i}", "label", encrypted=envelope)
        assert (ws["type"], ws["code"], ws["details"]["field"]) == ("error", "invalid_frame", field)
        response = await http.post(
            "/api/v1/commands",
            json={"request_id": f"h-bad-{i}", "command": "label", "encrypted": envelope},
            headers=org.agent_headers(),
        )
        assert response.status_code == 422, field
        error = response.json()["error"]
        assert (error["code"], error["details"]["field"]) == ("invalid_request", field)
    huge = _bad(good, ciphertext=b64(bytes(65536 + 17)))
    too_big = await agent.submit("r-bad-huge", "label", encrypted=huge)
    assert (too_big["code"], too_big["details"]["field"]) == (
        "command_too_large",
        "encrypted.ciphertext",
    )
    await agent.close()
    listed = await http.get("/api/v1/commands", headers=org.reviewer_headers())
    assert listed.json()["items"] == []


# ----------------------------------------------------------------------- SDK


async def test_the_sdk_encrypts_for_every_reviewer_key(
    server: ServerProcess, server_db: Database, http: httpx.AsyncClient, org: OrgTokens
) -> None:
    key = new_private_key()
    view = await register(http, org, key)
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        waiting = asyncio.create_task(
            client.run(SECRET_COMMAND, encrypt=True, label="reset acme balance", target="prod")
        )
        command_id = await pending_id(http, org, "reset acme balance")
        command = (
            await http.get(f"/api/v1/commands/{command_id}", headers=org.reviewer_headers())
        ).json()
        assert decrypt(command["encrypted"], view["id"], key) == SECRET_COMMAND
        await http.post(f"/api/v1/commands/{command_id}/approve", headers=org.reviewer_headers())
        decision = await waiting
    assert (decision.approved, decision.command, decision.anomalies) == (
        True,
        SECRET_COMMAND,
        ("encrypted",),
    )
    assert SECRET_COMMAND not in await stored_text(server_db, command_id)


async def test_the_blocking_sdk_encrypts_too_and_pins_fingerprints(
    server: ServerProcess, http: httpx.AsyncClient, org: OrgTokens
) -> None:
    key = new_private_key()
    view = await register(http, org, key)
    with (
        ExpactiClient(
            server.ws_url, org.agent_token, trusted_key_fingerprints=["00" * 32]
        ) as untrusting,
        pytest.raises(ExpactiEncryptionError, match="trusted fingerprint"),
    ):
        await asyncio.to_thread(untrusting.run, "ls", encrypt=True)
    with ExpactiClient(
        server.ws_url, org.agent_token, trusted_key_fingerprints=[view["fingerprint"]]
    ) as client:
        waiting = asyncio.create_task(asyncio.to_thread(client.run, "ls -la /root", encrypt=True))
        command_id = await pending_id(http, org, "encrypted command")
        await http.post(f"/api/v1/commands/{command_id}/deny", headers=org.reviewer_headers())
        with pytest.raises(CommandDeniedException):
            await waiting
    listed = await http.get("/api/v1/commands", headers=org.reviewer_headers())
    assert [c["id"] for c in listed.json()["items"]] == [command_id]


async def test_the_sdk_refuses_to_send_when_nobody_could_read_it(
    server: ServerProcess, http: httpx.AsyncClient, org: OrgTokens
) -> None:
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        with pytest.raises(ExpactiEncryptionError, match="no reviewer has registered"):
            await client.run(SECRET_COMMAND, encrypt=True)
    listed = await http.get("/api/v1/commands", headers=org.reviewer_headers())
    assert listed.json()["items"] == []


async def test_only_a_reviewer_who_can_read_it_may_approve_an_encrypted_command(
    server: ServerProcess, http: httpx.AsyncClient, org: OrgTokens, server_db: Database
) -> None:
    alice_key = new_private_key()
    view = await register(http, org, alice_key)
    async with server_db.write() as conn:
        bob = await issue_credential(
            conn, org_name=org.name, kind=CredentialKind.REVIEWER_TOKEN, principal_name="bob"
        )
    bob_headers = {"Authorization": f"Bearer {bob.secret}"}
    agent = await RawAgent.connect(server.ws_url, org.agent_token)
    ids = []
    for number in range(2):
        reply = await agent.submit(
            f"unread-{number}",
            "ls -la",  # the label looks harmless; the text is not
            encrypted=encrypt("rm -rf /var/lib/postgresql", {view["id"]: alice_key.public_key()}),
        )
        ids.append(reply["command_id"])

    refused = await http.post(f"/api/v1/commands/{ids[0]}/approve", headers=bob_headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "cannot_read_encrypted"
    state = await http.get(f"/api/v1/commands/{ids[0]}", headers=org.reviewer_headers())
    assert state.json()["status"] == "pending"
    # Denying needs no reading; approving does, and alice holds the key.
    denied = await http.post(f"/api/v1/commands/{ids[1]}/deny", headers=bob_headers)
    assert denied.json()["status"] == "denied"
    approved = await http.post(f"/api/v1/commands/{ids[0]}/approve", headers=org.reviewer_headers())
    assert approved.json()["status"] == "approved"
    # A revoked key still counts: it was live when the command was encrypted.
    late = (
        await http.post(
            "/api/v1/commands",
            json={
                "request_id": "unread-late",
                "command": "encrypted command",
                "encrypted": encrypt("uptime", {view["id"]: alice_key.public_key()}),
            },
            headers=org.agent_headers(),
        )
    ).json()
    revoked = await http.delete(f"/api/v1/keys/{view['id']}", headers=org.reviewer_headers())
    assert revoked.status_code == 204
    still = await http.post(
        f"/api/v1/commands/{late['id']}/approve", headers=org.reviewer_headers()
    )
    assert still.json().get("status") == "approved", still.text
    await agent.close()
