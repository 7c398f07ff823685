"""Reviewer key pairs and envelopes made with ``cryptography``, independently of the SDK."""

from __future__ import annotations

import base64
import os
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def new_private_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def spki_b64(key: rsa.RSAPrivateKey | rsa.RSAPublicKey) -> str:
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return b64(
        public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def encrypt(command: str, recipients: dict[str, rsa.RSAPublicKey]) -> dict[str, Any]:
    """An envelope as the browser contract describes it: key id → public key."""
    aes_key = AESGCM.generate_key(bit_length=256)
    iv = os.urandom(12)
    return {
        "alg": "RSA-OAEP-256+A256GCM",
        "iv": b64(iv),
        "ciphertext": b64(AESGCM(aes_key).encrypt(iv, command.encode(), None)),
        "recipients": [
            {"key_id": key_id, "wrapped_key": b64(public.encrypt(aes_key, OAEP))}
            for key_id, public in recipients.items()
        ],
    }


def decrypt(envelope: dict[str, Any], key_id: str, private: rsa.RSAPrivateKey) -> str:
    """What a reviewer's browser does with its own key."""
    wrapped = next(r["wrapped_key"] for r in envelope["recipients"] if r["key_id"] == key_id)
    aes_key = private.decrypt(base64.b64decode(wrapped), OAEP)
    plain = AESGCM(aes_key).decrypt(
        base64.b64decode(envelope["iv"]), base64.b64decode(envelope["ciphertext"]), None
    )
    return plain.decode()
