"""Reading commands, always scoped to what the caller may see."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.commands.models import Command
from expacti_server.commands.record import CommandRecord
from expacti_server.commands.status import Status
from expacti_server.errors import NotFound
from expacti_server.identity.principal import Principal, Role


async def by_request_id(
    conn: AsyncConnection, principal: Principal, request_id: str
) -> CommandRecord | None:
    """The agent's command with this request_id, if any."""
    row = (
        await conn.execute(
            select(Command).where(
                Command.agent_id == principal.id, Command.request_id == request_id
            )
        )
    ).first()
    return CommandRecord.from_row(row._mapping) if row else None


async def by_id(conn: AsyncConnection, command_id: str) -> CommandRecord | None:
    """Any command, unscoped: for the server's own deadlines only."""
    row = (await conn.execute(select(Command).where(Command.id == command_id))).first()
    return CommandRecord.from_row(row._mapping) if row else None


async def visible(conn: AsyncConnection, principal: Principal, command_id: str) -> CommandRecord:
    """A command the caller may see: any of a reviewer's org, or an agent's own."""
    query = select(Command).where(Command.id == command_id)
    if principal.role is Role.AGENT:
        query = query.where(Command.agent_id == principal.id)
    else:
        query = query.where(Command.org_id == principal.org_id)
    row = (await conn.execute(query)).first()
    if row is None:
        # The same answer whether the command does not exist or belongs to
        # another org, so ids cannot be probed across organisations.
        raise NotFound("no such command", command_id=command_id)
    return CommandRecord.from_row(row._mapping)


async def page(
    conn: AsyncConnection,
    principal: Principal,
    *,
    status: Status | None,
    before: str | None,
    limit: int,
) -> list[CommandRecord]:
    """The org's commands, newest first, paged by ``before`` (a command id)."""
    query = select(Command).where(Command.org_id == principal.org_id)
    if status is not None:
        query = query.where(Command.status == status)
    if before is not None:
        query = query.where(Command.id < before)
    rows = (await conn.execute(query.order_by(Command.id.desc()).limit(limit))).all()
    return [CommandRecord.from_row(row._mapping) for row in rows]


async def pending(conn: AsyncConnection) -> list[CommandRecord]:
    """Every pending command, for re-arming deadlines at startup."""
    rows = (await conn.execute(select(Command).where(Command.status == Status.PENDING))).all()
    return [CommandRecord.from_row(row._mapping) for row in rows]
