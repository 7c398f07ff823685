"""Making, hashing and recognising credentials.

Tokens and API keys carry 160+ bits of entropy, so a single SHA-256 is the
right hash (a slow password hash would only slow every request down); the
stored digest is compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from enum import StrEnum

API_KEY_PATTERN = re.compile(r"expacti_[0-9a-f]{32}")


class CredentialKind(StrEnum):
    """What a credential is, and so which role it grants."""

    AGENT_TOKEN = "agent_token"  # noqa: S105 - a kind name, not a secret
    REVIEWER_TOKEN = "reviewer_token"  # noqa: S105 - a kind name, not a secret
    API_KEY = "api_key"


def hash_secret(secret: str) -> str:
    """The hex SHA-256 digest under which a secret is stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Compare a presented secret with a stored digest in constant time."""
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def new_secret(kind: CredentialKind) -> str:
    """A fresh secret of the given kind; the prefix lets secret scanners spot leaks."""
    if kind is CredentialKind.API_KEY:
        return f"expacti_{secrets.token_hex(16)}"
    role = "agent" if kind is CredentialKind.AGENT_TOKEN else "reviewer"
    return f"expacti_{role}_{secrets.token_urlsafe(30)}"


def hint_of(secret: str) -> str:
    """A short, non-secret reminder of which credential this is (its last 4 characters)."""
    return f"…{secret[-4:]}"
