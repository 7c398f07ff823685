"""API shape of audit events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


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
