"""API shape of audit events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AuditEventView(BaseModel):
    """One audit event."""

    id: int
    at: datetime
    actor_type: str
    actor_id: str | None
    actor_name: str | None
    action: str
    command_id: str | None
    rule_id: str | None
    data: dict[str, Any]


class ChainBreakView(BaseModel):
    """The first place the chain does not hold."""

    seq: int = Field(description="Position in the chain where it breaks.")
    record_id: int | None
    kind: str = Field(description="edited | missing | out_of_order | broken_link | truncated")
    message: str
