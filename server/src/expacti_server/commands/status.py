"""The states of a command."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """pending until decided; every other state is final."""

    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"


FINAL_STATES = frozenset({Status.APPROVED, Status.DENIED, Status.TIMED_OUT, Status.CANCELLED})
