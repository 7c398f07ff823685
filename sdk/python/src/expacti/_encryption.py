"""End-to-end encryption of a command for reviewers' browsers (docs/ENCRYPTION.md).

RSA-OAEP-256 + AES-256-GCM, as WebCrypto speaks it: the command is encrypted once with
a fresh AES-256-GCM key and 12-byte nonce (tag appended to the ciphertext), and that key
is wrapped with RSA-OAEP (SHA-256, MGF1-SHA-256, no label) for each reviewer key. The
reviewer keys come from the server's ``GET /api/v1/keys``; ``cryptography`` is imported
only here, only when encryption is asked for (the ``expacti[e2e]`` extra).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ._errors import ExpactiEncryptionError, ExpactiProtocolError
from ._http import api_url, get_async

__all__ = [
    "ALGORITHM",
    "DEFAULT_LABEL",
    "MAX_LABEL_CHARS",
    "ReviewerKey",
    "choose_keys",
    "encrypt_command",
    "fetch_reviewer_keys",
    "keys_url",
    "parse_key_list",
    "require_cryptography",
]

ALGORITHM: Final = "RSA-OAEP-256+A256GCM"
DEFAULT_LABEL: Final = "encrypted command"
MAX_LABEL_CHARS: Final = 200
_MIN_BITS: Final = 2048


@dataclass(frozen=True, slots=True)
class ReviewerKey:
    """A reviewer's public key; ``fingerprint`` is computed here, not taken from the server."""

    id: str
    public_key: str  # base64 of the DER SubjectPublicKeyInfo
    fingerprint: str  # SHA-256 of that DER, lowercase hex
    reviewer: str | None = None


def require_cryptography() -> None:
    """Raise ExpactiEncryptionError unless the ``expacti[e2e]`` extra is installed."""
    try:
        import cryptography.hazmat.primitives.ciphers.aead  # noqa: F401
    except ImportError:
        raise ExpactiEncryptionError(
            "encrypt=True needs the cryptography package: pip install 'expacti[e2e]'"
        ) from None


def keys_url(ws_url: str) -> str:
    """The HTTP URL of the key list beside a WebSocket URL (ws→http, wss→https)."""
    return api_url(ws_url, "/api/v1/keys")


async def fetch_reviewer_keys(ws_url: str, token: str, *, timeout: float) -> list[ReviewerKey]:
    """The organisation's active reviewer keys, fetched with the agent token."""
    body = await get_async(
        keys_url(ws_url), token, timeout=timeout, what="the reviewer key list", missing=_no_keys
    )
    return parse_key_list(body)


def _no_keys(url: str) -> ExpactiEncryptionError:
    return ExpactiEncryptionError(
        f"the server at {url} offers no reviewer keys (HTTP 404): it may predate "
        "end-to-end encryption"
    )


def parse_key_list(body: bytes) -> list[ReviewerKey]:
    """Parse ``{"items": [{"id", "public_key", ...}]}``; any unusable key fails closed."""
    try:
        items = json.loads(body)["items"]
        if not isinstance(items, list):
            raise TypeError
        raw = [(item["id"], item["public_key"], item.get("reviewer")) for item in items]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ExpactiProtocolError("the server sent an invalid reviewer key list") from None
    keys = []
    for key_id, public_key, reviewer in raw:
        if not isinstance(key_id, str) or not isinstance(public_key, str):
            raise ExpactiProtocolError("the server sent an invalid reviewer key list")
        try:
            der = base64.b64decode(public_key, validate=True)
        except (binascii.Error, ValueError):
            raise ExpactiEncryptionError(f"reviewer key {key_id} is not base64") from None
        name = reviewer.get("name") if isinstance(reviewer, dict) else None
        keys.append(
            ReviewerKey(
                id=key_id,
                public_key=public_key,
                fingerprint=hashlib.sha256(der).hexdigest(),
                reviewer=name if isinstance(name, str) else None,
            )
        )
    return keys


def choose_keys(
    keys: Sequence[ReviewerKey], trusted_fingerprints: Collection[str] | None
) -> list[ReviewerKey]:
    """The keys to encrypt for: all of them, or only the trusted ones; never none."""
    if trusted_fingerprints is not None:
        trusted = {f.lower().replace(":", "") for f in trusted_fingerprints}
        keys = [k for k in keys if k.fingerprint in trusted]
        if not keys:
            raise ExpactiEncryptionError(
                "none of the server's reviewer keys has a trusted fingerprint; nothing was sent"
            )
    if not keys:
        raise ExpactiEncryptionError(
            "no reviewer has registered an encryption key, so nobody could read the command; "
            "nothing was sent"
        )
    return list(keys)


def encrypt_command(command: str, keys: Sequence[ReviewerKey]) -> dict[str, Any]:
    """The ``encrypted`` envelope of ``command`` for ``keys`` (see the module docstring)."""
    require_cryptography()
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    if not keys:
        raise ExpactiEncryptionError("no reviewer key to encrypt for; nothing was sent")
    aes_key = AESGCM.generate_key(bit_length=256)
    iv = os.urandom(12)
    ciphertext = AESGCM(aes_key).encrypt(iv, command.encode("utf-8"), None)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    recipients = []
    for key in keys:
        try:
            public = load_der_public_key(base64.b64decode(key.public_key, validate=True))
        except (ValueError, binascii.Error, UnsupportedAlgorithm):
            raise ExpactiEncryptionError(f"reviewer key {key.id} is not a public key") from None
        if not isinstance(public, rsa.RSAPublicKey) or public.key_size < _MIN_BITS:
            raise ExpactiEncryptionError(f"reviewer key {key.id} is not RSA-{_MIN_BITS} or larger")
        recipients.append({"key_id": key.id, "wrapped_key": _b64(public.encrypt(aes_key, oaep))})
    return {
        "alg": ALGORITHM,
        "iv": _b64(iv),
        "ciphertext": _b64(ciphertext),
        "recipients": recipients,
    }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
