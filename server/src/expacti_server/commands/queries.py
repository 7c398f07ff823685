"""Reading commands, always scoped to what the caller may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, or_, select
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


async def visible(
    conn: AsyncConnection, principal: Principal, command_id: str, *, for_update: bool = False
) -> CommandRecord:
    """A command the caller may see: any of a reviewer's org, or an agent's own.

    ``for_update`` locks the row until the transaction ends (PostgreSQL; SQLite
    writers are serialised anyway), so concurrent votes queue instead of
    overwriting each other.
    """
    query = select(Command).where(Command.id == command_id)
    if for_update:
        query = query.with_for_update()
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


@dataclass(frozen=True, slots=True)
class CommandFilter:
    """What a reviewer narrows the history to; every field optional."""

    status: Status | None = None
    agent: str | None = None  # name or id
    target: str | None = None
    reviewer: str | None = None  # name or id
    since: datetime | None = None
    until: datetime | None = None
    via: DecidedVia | None = None
    text: str | None = None  # case-insensitive substring


class DecidedVia(StrEnum):
    """How a command got its decision."""

    WHITELIST = "whitelist"  # approved by a rule
    MANUAL = "manual"  # decided by a reviewer
    SYSTEM = "system"  # timed out, or withdrawn by the agent or the server


def _filtered(query: Select[Any], where: CommandFilter) -> Select[Any]:
    if where.status is not None:
        query = query.where(Command.status == where.status)
    if where.agent:
        query = query.where(or_(Command.agent_name == where.agent, Command.agent_id == where.agent))
    if where.target:
        query = query.where(Command.target == where.target)
    if where.reviewer:
        query = query.where(
            or_(Command.reviewer_name == where.reviewer, Command.reviewer_id == where.reviewer)
        )
    if where.since is not None:
        query = query.where(Command.created_at >= where.since)
    if where.until is not None:
        query = query.where(Command.created_at < where.until)
    if where.via is DecidedVia.WHITELIST:
        query = query.where(Command.whitelisted.is_(True))
    elif where.via is DecidedVia.MANUAL:
        query = query.where(Command.reviewer_id.is_not(None))
    elif where.via is DecidedVia.SYSTEM:
        query = query.where(
            Command.status != Status.PENDING,
            Command.whitelisted.is_(False),
            Command.reviewer_id.is_(None),
        )
    if where.text:
        needle = "%" + _escape_like(where.text) + "%"
        query = query.where(
            or_(
                *(
                    column.ilike(needle, escape="\\")
                    for column in (
                        Command.command,
                        Command.target,
                        Command.agent_name,
                        Command.reviewer_name,
                        Command.notes,
                    )
                )
            )
        )
    return query


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def page(
    conn: AsyncConnection,
    principal: Principal,
    *,
    where: CommandFilter,
    before: str | None,
    limit: int,
) -> list[CommandRecord]:
    """The org's commands matching ``where``, newest first, paged by ``before`` (a command id)."""
    query = _filtered(select(Command).where(Command.org_id == principal.org_id), where)
    if before is not None:
        query = query.where(Command.id < before)
    rows = (await conn.execute(query.order_by(Command.id.desc()).limit(limit))).all()
    return [CommandRecord.from_row(row._mapping) for row in rows]


async def queue(conn: AsyncConnection, org_id: str) -> list[CommandRecord]:
    """The org's pending commands, oldest first: the reviewers' queue."""
    rows = (
        await conn.execute(
            select(Command)
            .where(Command.org_id == org_id, Command.status == Status.PENDING)
            .order_by(Command.id)
        )
    ).all()
    return [CommandRecord.from_row(row._mapping) for row in rows]


async def recent(
    conn: AsyncConnection, org_id: str, *, before: str | None, limit: int
) -> list[CommandRecord]:
    """The org's newest commands before ``before`` (a command id), newest first."""
    query = select(Command).where(Command.org_id == org_id)
    if before is not None:
        query = query.where(Command.id < before)
    rows = (await conn.execute(query.order_by(Command.id.desc()).limit(limit))).all()
    return [CommandRecord.from_row(row._mapping) for row in rows]


async def pending(conn: AsyncConnection) -> list[CommandRecord]:
    """Every pending command, for re-arming deadlines at startup."""
    rows = (await conn.execute(select(Command).where(Command.status == Status.PENDING))).all()
    return [CommandRecord.from_row(row._mapping) for row in rows]
