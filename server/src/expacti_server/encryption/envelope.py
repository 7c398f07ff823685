"""The encrypted-command envelope: structure checks the server can make without the key.

The server cannot read an encrypted command, so it checks only what it can:
the algorithm, the sizes, the base64, and (in ``service.py``) that every
recipient is an active key of the organisation. What it cannot check it
treats as unsafe: an encrypted command is never whitelisted and gets a fixed
risk score with the ``encrypted`` anomaly, so a reviewer sees why.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from expacti_server.errors import CommandTooLarge, InvalidFrame

ALGORITHM = "RSA-OAEP-256+A256GCM"
IV_BYTES = 12
TAG_BYTES = 16
AES_KEY_BYTES = 32
MAX_RECIPIENTS = 64
MAX_KEY_ID_CHARS = 40
MAX_LABEL_CHARS = 200
# RSA-OAEP output is exactly the modulus size: 2048-8192 bits.
MIN_WRAPPED_BYTES = 256
MAX_WRAPPED_BYTES = 1024

ENCRYPTED_RISK_SCORE = 50
"""Risk score of every encrypted command: the server cannot assess what it cannot read."""
ENCRYPTED_ANOMALY = "encrypted"
"""The anomaly code that tells reviewers the score was not computed from the text."""


@dataclass(frozen=True, slots=True)
class Recipient:
    """One reviewer key and the AES key wrapped for it."""

    key_id: str
    wrapped_key: bytes


@dataclass(frozen=True, slots=True)
class Envelope:
    """A checked envelope; ``as_json`` is what is stored and shown, unknown fields dropped."""

    as_json: dict[str, Any]
    recipients: tuple[Recipient, ...]

    @property
    def key_ids(self) -> list[str]:
        """The recipients' key ids, in order."""
        return [r.key_id for r in self.recipients]


def check_envelope(raw: Any, *, max_command_bytes: int) -> Envelope:
    """Return the checked envelope, or raise InvalidFrame naming the first bad field."""
    if not isinstance(raw, dict):
        raise InvalidFrame("encrypted must be an object", field="encrypted")
    alg = raw.get("alg")
    if alg != ALGORITHM:
        raise InvalidFrame(f"encrypted.alg must be {ALGORITHM!r}", field="encrypted.alg")
    iv = _b64(raw.get("iv"), "encrypted.iv", max_bytes=IV_BYTES)
    if len(iv) != IV_BYTES:
        raise InvalidFrame(f"encrypted.iv must be {IV_BYTES} bytes", field="encrypted.iv")
    max_ciphertext = max_command_bytes + TAG_BYTES
    ciphertext = _b64(
        raw.get("ciphertext"), "encrypted.ciphertext", max_bytes=max_ciphertext, too_large=True
    )
    if len(ciphertext) <= TAG_BYTES:
        raise InvalidFrame(
            "encrypted.ciphertext must hold at least one byte and the 16-byte GCM tag",
            field="encrypted.ciphertext",
        )
    recipients = _recipients(raw.get("recipients"))
    return Envelope(
        as_json={
            "alg": ALGORITHM,
            "iv": raw["iv"],
            "ciphertext": raw["ciphertext"],
            "recipients": [
                {"key_id": r.key_id, "wrapped_key": raw["recipients"][i]["wrapped_key"]}
                for i, r in enumerate(recipients)
            ],
        },
        recipients=recipients,
    )


def check_label(label: str) -> None:
    """The ``command`` of an encrypted submit is a short label the server may read."""
    if len(label) > MAX_LABEL_CHARS:
        raise InvalidFrame(
            f"with encrypted, command is a label of at most {MAX_LABEL_CHARS} characters",
            field="command",
        )


def _recipients(raw: Any) -> tuple[Recipient, ...]:
    field = "encrypted.recipients"
    if not isinstance(raw, list) or not raw:
        raise InvalidFrame(f"{field} must be a non-empty list", field=field)
    if len(raw) > MAX_RECIPIENTS:
        raise InvalidFrame(f"{field} is limited to {MAX_RECIPIENTS} keys", field=field)
    recipients: list[Recipient] = []
    for i, item in enumerate(raw):
        where = f"{field}[{i}]"
        if not isinstance(item, dict):
            raise InvalidFrame(f"{where} must be an object", field=where)
        key_id = item.get("key_id")
        if not isinstance(key_id, str) or not 0 < len(key_id) <= MAX_KEY_ID_CHARS:
            raise InvalidFrame(f"{where}.key_id must be a key id", field=f"{where}.key_id")
        if any(r.key_id == key_id for r in recipients):
            raise InvalidFrame(f"{where}.key_id is listed twice", field=f"{where}.key_id")
        wrapped = _b64(item.get("wrapped_key"), f"{where}.wrapped_key", max_bytes=MAX_WRAPPED_BYTES)
        if len(wrapped) < MIN_WRAPPED_BYTES:
            raise InvalidFrame(
                f"{where}.wrapped_key is too short for an RSA-2048 or larger key",
                field=f"{where}.wrapped_key",
            )
        recipients.append(Recipient(key_id=key_id, wrapped_key=wrapped))
    return tuple(recipients)


def _b64(value: Any, field: str, *, max_bytes: int, too_large: bool = False) -> bytes:
    """Decode standard base64 (with padding), refusing anything larger than ``max_bytes``."""
    if not isinstance(value, str) or not value:
        raise InvalidFrame(f"{field} must be a base64 string", field=field)
    error = CommandTooLarge if too_large else InvalidFrame
    if len(value) > 4 * ((max_bytes + 2) // 3):  # refuse before decoding
        raise error(f"{field} is larger than {max_bytes} bytes", field=field, limit=max_bytes)
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidFrame(f"{field} is not valid base64", field=field) from None
    if len(decoded) > max_bytes:
        raise error(f"{field} is larger than {max_bytes} bytes", field=field, limit=max_bytes)
    return decoded
