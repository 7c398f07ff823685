"""Storing agent sessions as their commands arrive, and reading them back.

The submit path only writes when something changed (a new session, a new
goal or steps, another current step): most commands of a session repeat what
the server already knows, so it is remembered in memory, bounded.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.agent_sessions.models import AgentSession
from expacti_server.agent_sessions.schemas import (
    AgentSessionDetail,
    AgentSessionList,
    AgentSessionSummary,
    SessionCommandView,
)
from expacti_server.audit import service as audit
from expacti_server.commands.models import Command
from expacti_server.db.base import utcnow
from expacti_server.db.engine import Database
from expacti_server.errors import InvalidFrame, NotFound
from expacti_server.identity.principal import Principal, Role
from expacti_server.ids import new_id

log = structlog.get_logger(__name__)

MAX_REMEMBERED = 10_000
SESSION_END_STATES = frozenset({"completed", "failed"})
LISTED_COMMANDS = 500

_Known = tuple[str, str | None, tuple[str, ...], int | None, str]  # id, goal, steps, step, status


class AgentSessionService:
    """Sessions per agent, keyed by the id the agent chose."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._known: OrderedDict[tuple[str, str], _Known] = OrderedDict()
        self._on_end: list[Callable[[str, str], Awaitable[None]]] = []

    def observe_end(self, callback: Callable[[str, str], Awaitable[None]]) -> None:
        """Call ``callback(org_id, session_id)`` after a session ends (its recording closes)."""
        self._on_end.append(callback)

    async def ensure(self, principal: Principal, session: dict[str, Any]) -> str:
        """The stored session for this submission's ``session`` object, created or updated."""
        client_id: str = session["id"]
        goal = session.get("goal")
        steps = tuple(session.get("steps") or ())
        step = session.get("current_step")
        key = (principal.id, client_id)
        known = self._known.get(key)
        if known is not None:
            self._known.move_to_end(key)
            if known[1:] == (goal, steps, step, "active"):
                return known[0]
        now = utcnow()
        async with self._db.write() as conn:
            row = await _by_client_id(conn, principal, client_id)
            values = {"goal": goal, "steps": list(steps), "current_step": step, "updated_at": now}
            if row is None:
                session_id = new_id("ses")
                await conn.execute(
                    insert(AgentSession),
                    {
                        **values,
                        "id": session_id,
                        "org_id": principal.org_id,
                        "agent_id": principal.id,
                        "agent_name": principal.name,
                        "client_id": client_id,
                        "status": "active",
                        "created_at": now,
                        "ended_at": None,
                    },
                )
                await audit.record(
                    conn,
                    org_id=principal.org_id,
                    actor=principal.actor,
                    action="session.started",
                    data={"session_id": session_id, "goal": goal, "steps": list(steps)},
                )
            else:
                session_id = row.id
                # A command after the end reopens it: the agent is evidently still at it.
                await conn.execute(
                    update(AgentSession)
                    .where(AgentSession.id == session_id)
                    .values(**values, status="active", ended_at=None)
                )
        self._remember(key, (session_id, goal, steps, step, "active"))
        return session_id

    async def end(self, principal: Principal, client_id: str, status: str) -> None:
        """The agent is done with a session: completed or failed."""
        if status not in SESSION_END_STATES:
            raise InvalidFrame("status must be completed or failed", field="status")
        now = utcnow()
        async with self._db.write() as conn:
            row = await _by_client_id(conn, principal, client_id)
            if row is None:
                raise NotFound("no such session", session_id=client_id)
            if row.status == status:
                return  # a repeated end (e.g. after a reconnect) changes nothing
            await conn.execute(
                update(AgentSession)
                .where(AgentSession.id == row.id)
                .values(status=status, ended_at=now, updated_at=now)
            )
            await audit.record(
                conn,
                org_id=principal.org_id,
                actor=principal.actor,
                action="session.ended",
                data={"session_id": row.id, "status": status},
            )
        self._known.pop((principal.id, client_id), None)
        for callback in self._on_end:
            try:
                await callback(principal.org_id, row.id)
            except Exception:  # the session did end; a recording left open is swept later
                log.exception("session_end_observer_failed", session_id=row.id)

    async def list(
        self,
        principal: Principal,
        *,
        agent: str | None = None,
        status: str | None = None,
        before: str | None = None,
        limit: int = 50,
    ) -> AgentSessionList:
        """Sessions the caller may see (an agent: its own), most recently active first."""
        counts = (
            select(Command.session_id, func.count().label("n"))
            .where(Command.org_id == principal.org_id, Command.session_id.is_not(None))
            .group_by(Command.session_id)
            .subquery()
        )
        query = (
            select(AgentSession, func.coalesce(counts.c.n, 0).label("n"))
            .outerjoin(counts, counts.c.session_id == AgentSession.id)
            .where(AgentSession.org_id == principal.org_id)
        )
        if principal.role is Role.AGENT:
            query = query.where(AgentSession.agent_id == principal.id)
        if agent:
            query = query.where(
                (AgentSession.agent_name == agent) | (AgentSession.agent_id == agent)
            )
        if status:
            query = query.where(AgentSession.status == status)
        async with self._db.read() as conn:
            if before:
                cursor = await _session(conn, principal, before)
                query = query.where(
                    (AgentSession.updated_at < cursor.updated_at)
                    | (
                        (AgentSession.updated_at == cursor.updated_at)
                        & (AgentSession.id < cursor.id)
                    )
                )
            rows = (
                await conn.execute(
                    query.order_by(AgentSession.updated_at.desc(), AgentSession.id.desc()).limit(
                        limit + 1
                    )
                )
            ).all()
        items = [
            _summary(AgentSession(**{k: v for k, v in row._mapping.items() if k != "n"}), row.n)
            for row in rows[:limit]
        ]
        return AgentSessionList(
            items=items, next_before=items[-1].id if len(rows) > limit and items else None
        )

    async def get(self, principal: Principal, session_id: str) -> AgentSessionDetail:
        """One session and its commands."""
        async with self._db.read() as conn:
            session = await _session(conn, principal, session_id)
            rows = (
                await conn.execute(
                    select(Command)
                    .where(Command.session_id == session.id, Command.org_id == principal.org_id)
                    .order_by(Command.created_at.desc(), Command.id.desc())
                    .limit(LISTED_COMMANDS)
                )
            ).all()
            total = await conn.scalar(select(func.count()).where(Command.session_id == session.id))
        commands = [
            SessionCommandView(
                id=row.id,
                command=row.command,
                status=row.status,
                step=(row.session or {}).get("current_step"),
                created_at=row.created_at,
                decided_at=row.decided_at,
                reviewer=row.reviewer_name,
                whitelisted=row.whitelisted,
                edited=row.approved_command is not None,
            )
            for row in reversed(rows)
        ]
        return AgentSessionDetail(**_summary(session, total or 0).model_dump(), items=commands)

    def _remember(self, key: tuple[str, str], known: _Known) -> None:
        self._known[key] = known
        self._known.move_to_end(key)
        while len(self._known) > MAX_REMEMBERED:
            self._known.popitem(last=False)


async def _by_client_id(conn: AsyncConnection, principal: Principal, client_id: str) -> Any:
    """The agent's session it calls ``client_id`` (id and status), or None."""
    return (
        await conn.execute(
            select(AgentSession.id, AgentSession.status).where(
                AgentSession.agent_id == principal.id, AgentSession.client_id == client_id
            )
        )
    ).first()


async def _session(conn: AsyncConnection, principal: Principal, session_id: str) -> AgentSession:
    query = select(AgentSession).where(
        AgentSession.id == session_id, AgentSession.org_id == principal.org_id
    )
    if principal.role is Role.AGENT:
        query = query.where(AgentSession.agent_id == principal.id)
    row = (await conn.execute(query)).first()
    if row is None:
        raise NotFound("no such session", session_id=session_id)
    return AgentSession(**row._mapping)


def _summary(session: AgentSession, commands: int) -> AgentSessionSummary:
    return AgentSessionSummary(
        id=session.id,
        client_id=session.client_id,
        agent=session.agent_name,
        goal=session.goal,
        steps=list(session.steps or ()),
        current_step=session.current_step,
        status=session.status,
        created_at=session.created_at,
        updated_at=session.updated_at,
        ended_at=session.ended_at,
        commands=commands,
    )
