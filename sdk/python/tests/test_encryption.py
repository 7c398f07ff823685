"""Encrypting a command for reviewers' browsers: the envelope, the key list, the refusals."""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from websockets.asyncio.server import ServerConnection

from expacti import (
    AsyncExpactiClient,
    ExpactiAuthenticationError,
    ExpactiEncryptionError,
    ExpactiProtocolError,
    _encryption,
)
from expacti._encryption import (
    ReviewerKey,
    choose_keys,
    encrypt_command,
    fetch_reviewer_keys,
    keys_url,
    parse_key_list,
)
from expacti._frames import submit_frame
from http_peer import HttpPeer, http_peer
from peer import TOKEN, Peer, decision, fake_server, send

VECTORS = Path(__file__).resolve().parents[3] / "protocol" / "vectors"
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def _spki(private: rsa.RSAPrivateKey) -> str:
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def _key(key_id: str, private: rsa.RSAPrivateKey) -> ReviewerKey:
    spki = _spki(private)
    return ReviewerKey(key_id, spki, hashlib.sha256(base64.b64decode(spki)).hexdigest())


def _decrypt(envelope: dict[str, Any], key_id: str, private: rsa.RSAPrivateKey) -> str:
    wrapped = next(r["wrapped_key"] for r in envelope["recipients"] if r["key_id"] == key_id)
    aes_key = private.decrypt(base64.b64decode(wrapped), OAEP)
    iv, ciphertext = base64.b64decode(envelope["iv"]), base64.b64decode(envelope["ciphertext"])
    return AESGCM(aes_key).decrypt(iv, ciphertext, None).decode()


@pytest.fixture(scope="module")
def private_keys() -> list[rsa.RSAPrivateKey]:
    return [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2)]


def test_the_envelope_round_trips_for_every_recipient(
    private_keys: list[rsa.RSAPrivateKey],
) -> None:
    command = "export PGPASSWORD='hunter2' && psql -c 'drop table t' # ✓"
    keys = [_key(f"key_{i}", k) for i, k in enumerate(private_keys)]
    envelope = encrypt_command(command, keys)
    assert envelope["alg"] == "RSA-OAEP-256+A256GCM"
    assert len(base64.b64decode(envelope["iv"])) == 12
    assert len(base64.b64decode(envelope["ciphertext"])) == len(command.encode()) + 16
    assert [r["key_id"] for r in envelope["recipients"]] == ["key_0", "key_1"]
    for i, private in enumerate(private_keys):
        assert _decrypt(envelope, f"key_{i}", private) == command
    assert envelope["iv"] != encrypt_command(command, keys)["iv"]  # a fresh key and nonce


def test_the_published_vectors_decrypt_with_the_published_key() -> None:
    vectors = json.loads((VECTORS / "encryption.json").read_text())
    der = base64.b64decode(vectors["private_key_pkcs8"])
    private = serialization.load_der_private_key(der, password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    assert _spki(private) == vectors["public_key_spki"]
    spki_der = base64.b64decode(vectors["public_key_spki"])
    assert hashlib.sha256(spki_der).hexdigest() == vectors["public_key_fingerprint"]
    for case in vectors["cases"]:
        assert _decrypt(case["envelope"], "$reviewer_key", private) == case["plaintext"]


def test_submit_frame_carries_the_envelope_as_the_vector_has_it() -> None:
    cases = json.loads((VECTORS / "client_frames.json").read_text())["cases"]
    vector = next(c for c in cases if c["name"] == "submit-encrypted")["frame"]
    text = submit_frame(
        request_id=vector["request_id"], command=vector["command"], encrypted=vector["encrypted"]
    )
    assert json.loads(text) == vector


@pytest.mark.parametrize(
    ("ws_url", "http_url"),
    [
        ("ws://localhost:3001/shell/ws", "http://localhost:3001/api/v1/keys"),
        ("wss://gate.example.com/shell/ws", "https://gate.example.com/api/v1/keys"),
        ("wss://example.com/expacti/shell/ws/", "https://example.com/expacti/api/v1/keys"),
        ("ws://[::1]:8080/other", "http://[::1]:8080/api/v1/keys"),
    ],
)
def test_the_key_list_lives_beside_the_websocket(ws_url: str, http_url: str) -> None:
    assert keys_url(ws_url) == http_url


def test_fingerprints_are_computed_locally_not_taken_from_the_server(
    private_keys: list[rsa.RSAPrivateKey],
) -> None:
    spki = _spki(private_keys[0])
    body = {"items": [{"id": "key_1", "public_key": spki, "fingerprint": "lies"}]}
    (key,) = parse_key_list(json.dumps(body).encode())
    assert key.fingerprint == hashlib.sha256(base64.b64decode(spki)).hexdigest()
    for bad in (b"[]", b'{"items": 3}', b'{"items": [{"id": 1}]}', b"not json"):
        with pytest.raises(ExpactiProtocolError):
            parse_key_list(bad)


def test_no_key_or_no_trusted_key_is_refused(private_keys: list[rsa.RSAPrivateKey]) -> None:
    key = _key("key_1", private_keys[0])
    with pytest.raises(ExpactiEncryptionError, match="no reviewer has registered"):
        choose_keys([], None)
    with pytest.raises(ExpactiEncryptionError, match="trusted fingerprint"):
        choose_keys([key], ["ab" * 32])
    pinned = ":".join(key.fingerprint.upper()[i : i + 2] for i in range(0, 64, 2))
    assert choose_keys([key], [pinned]) == [key]


def keys_at(peer: HttpPeer) -> str:
    return peer.url("/api/v1/keys")


async def test_keys_are_fetched_with_the_agent_token(
    monkeypatch: pytest.MonkeyPatch, private_keys: list[rsa.RSAPrivateKey]
) -> None:
    items = [{"id": "key_1", "public_key": _spki(private_keys[0])}]
    with http_peer(200, {"items": items}) as peer:
        monkeypatch.setattr(_encryption, "keys_url", lambda _: keys_at(peer))
        keys = await fetch_reviewer_keys("ws://x/shell/ws", TOKEN, timeout=5)
    assert [k.id for k in keys] == ["key_1"]
    assert peer.seen == [("/api/v1/keys", f"Bearer {TOKEN}")]
    for status, error in ((401, ExpactiAuthenticationError), (404, ExpactiEncryptionError)):
        with http_peer(status, {"error": {}}) as failing:
            monkeypatch.setattr(_encryption, "keys_url", lambda _, p=failing: keys_at(p))
            with pytest.raises(error):
                await fetch_reviewer_keys("ws://x/shell/ws", TOKEN, timeout=5)


async def _approve(peer: Peer, ws: ServerConnection) -> None:
    submit = await peer.recv(ws)
    await send(ws, decision(submit, anomalies=["encrypted"], risk_score=50))


async def test_run_encrypt_sends_only_the_label_and_the_envelope(
    monkeypatch: pytest.MonkeyPatch, private_keys: list[rsa.RSAPrivateKey]
) -> None:
    items = [{"id": "key_1", "public_key": _spki(private_keys[0])}]
    with http_peer(200, {"items": items}) as keys:
        monkeypatch.setattr(_encryption, "keys_url", lambda _: keys_at(keys))
        async with fake_server(_approve) as peer, AsyncExpactiClient(peer.url, TOKEN) as client:
            result = await client.run("cat /etc/shadow", encrypt=True, label="read shadow")
    (submit,) = peer.submits
    assert submit["command"] == "read shadow"
    assert "shadow" not in submit["encrypted"]["ciphertext"]
    assert _decrypt(submit["encrypted"], "key_1", private_keys[0]) == "cat /etc/shadow"
    assert (result.approved, result.command) == (True, "cat /etc/shadow")


async def test_an_edit_of_an_encrypted_command_is_never_run(
    monkeypatch: pytest.MonkeyPatch, private_keys: list[rsa.RSAPrivateKey]
) -> None:
    async def edit(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, decision(submit, command="cat /etc/passwd", edited=True))

    items = [{"id": "key_1", "public_key": _spki(private_keys[0])}]
    with http_peer(200, {"items": items}) as keys:
        monkeypatch.setattr(_encryption, "keys_url", lambda _: keys_at(keys))
        async with fake_server(edit) as peer, AsyncExpactiClient(peer.url, TOKEN) as client:
            with pytest.raises(ExpactiProtocolError, match="edit of an end-to-end encrypted"):
                await client.run("cat /etc/shadow", encrypt=True)


async def test_run_encrypt_without_keys_sends_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    with http_peer(200, {"items": []}) as keys:
        monkeypatch.setattr(_encryption, "keys_url", lambda _: keys_at(keys))
        async with fake_server(_approve) as peer, AsyncExpactiClient(peer.url, TOKEN) as client:
            with pytest.raises(ExpactiEncryptionError, match="nothing was sent"):
                await client.run("ls", encrypt=True)
    assert (peer.handshakes, peer.submits) == (0, [])


async def test_run_encrypt_without_the_extra_sends_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As if `pip install expacti` without [e2e]: the import fails.
    monkeypatch.setitem(sys.modules, "cryptography.hazmat.primitives.ciphers.aead", None)
    async with fake_server(_approve) as peer, AsyncExpactiClient(peer.url, TOKEN) as client:
        with pytest.raises(ExpactiEncryptionError, match=r"expacti\[e2e\]"):
            await client.run("ls", encrypt=True)
    assert (peer.handshakes, peer.submits) == (0, [])


async def test_label_rules() -> None:
    async with AsyncExpactiClient("ws://127.0.0.1:9/shell/ws", TOKEN) as client:
        with pytest.raises(ValueError, match="encrypt=True"):
            await client.run("ls", label="x")
        with pytest.raises(ValueError, match="label must be"):
            await client.run("ls", encrypt=True, label="x" * 201)
