"""Identifiers: a type prefix, then time-ordered so ids sort by creation."""

from __future__ import annotations

import secrets
import time


def new_id(prefix: str) -> str:
    """A new id like ``cmd_0193a1b2c3d4e5f60718293a4b5c6d7e``: 48-bit ms clock + 80 random bits."""
    return f"{prefix}_{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"
