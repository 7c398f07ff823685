"""Writing and reading audit events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.audit import chain
from expacti_server.audit.actor import Actor
from expacti_server.audit.models import AuditEvent
from expacti_server.db.base import utcnow


async def record(
    conn: AsyncConnection,
    *,
    org_id: str | None,
    actor: Actor,
    action: str,
    command_id: str | None = None,
    rule_id: str | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Append one event inside the caller's transaction, so it commits with the change."""
    await chain.append(
        conn,
        [
            {
                "at": at or utcnow(),
                "org_id": org_id,
                "actor_type": actor.type,
                "actor_id": actor.id,
                "actor_name": actor.name,
                "action": action,
                "command_id": command_id,
                "rule_id": rule_id,
                "data": data or {},
            }
        ],
    )


async def list_events(
    conn: AsyncConnection,
    *,
    org_id: str,
    command_id: str | None = None,
    action: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEvent]:
    """Newest first, optionally for one command or one action."""
    query = select(AuditEvent).where(AuditEvent.org_id == org_id)
    if command_id is not None:
        query = query.where(AuditEvent.command_id == command_id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    rows = await conn.execute(query.order_by(AuditEvent.id.desc()).limit(limit))
    return [AuditEvent(**row._mapping) for row in rows]


async def events_of_command(
    conn: AsyncConnection, *, org_id: str, command_id: str
) -> list[AuditEvent]:
    """Every event of one command, oldest first (by time, then by insertion)."""
    rows = await conn.execute(
        select(AuditEvent)
        .where(AuditEvent.org_id == org_id, AuditEvent.command_id == command_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return [AuditEvent(**row._mapping) for row in rows]
