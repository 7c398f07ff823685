"""Checking a reviewer's public key: base64 of an RSA SubjectPublicKeyInfo, 2048-8192 bits."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from expacti_server.errors import InvalidPublicKey

MIN_BITS = 2048
MAX_BITS = 8192
# base64 of an 8192-bit SPKI is ~1.4 KB; anything far larger is not a key we accept.
MAX_ENCODED_CHARS = 4096


@dataclass(frozen=True, slots=True)
class PublicKeyInfo:
    """A checked key: canonical base64 of its DER, its size and fingerprint."""

    spki_b64: str
    bits: int
    fingerprint: str  # SHA-256 of the DER, lowercase hex


def parse_public_key(encoded: str) -> PublicKeyInfo:
    """Accept what WebCrypto's ``exportKey("spki", …)`` gives, base64-encoded; else raise."""
    text = "".join(encoded.split())  # PEM bodies come wrapped; line breaks carry nothing
    if not text or len(text) > MAX_ENCODED_CHARS:
        raise InvalidPublicKey(
            f"public_key must be 1-{MAX_ENCODED_CHARS} characters of base64", field="public_key"
        )
    try:
        der = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidPublicKey("public_key is not valid base64", field="public_key") from None
    try:
        key = load_der_public_key(der)
    except (ValueError, UnsupportedAlgorithm):
        raise InvalidPublicKey(
            "public_key is not a DER SubjectPublicKeyInfo (WebCrypto exportKey('spki'))",
            field="public_key",
        ) from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise InvalidPublicKey("public_key must be an RSA key (RSA-OAEP)", field="public_key")
    if not MIN_BITS <= key.key_size <= MAX_BITS:
        raise InvalidPublicKey(
            f"the RSA modulus must have {MIN_BITS}-{MAX_BITS} bits, not {key.key_size}",
            field="public_key",
            bits=key.key_size,
        )
    return PublicKeyInfo(
        spki_b64=base64.b64encode(der).decode("ascii"),
        bits=key.key_size,
        fingerprint=hashlib.sha256(der).hexdigest(),
    )
