"""Anomaly events: built on the submit path, stored with the command, read for views and reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.anomalies.models import AnomalyEvent
from expacti_server.db.engine import Database
from expacti_server.errors import InvalidRequest
from expacti_server.identity.principal import Principal
from expacti_server.ids import new_id


@dataclass(frozen=True, slots=True)
class FiredRule:
    """What the submit path knows of one finding (a RiskFinding, or the encrypted stand-in)."""

    rule_id: str
    score: int
    reason: str
    failed: bool = False


def anomaly_rows(
    findings: Iterable[FiredRule], *, command: dict[str, Any], at: datetime
) -> list[dict[str, Any]]:
    """The anomaly_events rows of a command about to be stored."""
    return [
        {
            "id": new_id("anm"),
            "org_id": command["org_id"],
            "command_id": command["id"],
            "agent_id": command["agent_id"],
            "agent_name": command["agent_name"],
            "rule_id": finding.rule_id,
            "score": finding.score,
            "reason": finding.reason,
            "failed": finding.failed,
            "at": at,
        }
        for finding in findings
    ]


class AnomalyView(BaseModel):
    """One rule that fired on one command."""

    id: str
    command_id: str
    agent: str
    rule_id: str
    score: int
    reason: str
    failed: bool = Field(description="The rule raised; counted at its maximum risk (fail closed).")
    at: datetime


class AnomalyList(BaseModel):
    """Anomaly events, newest first."""

    items: list[AnomalyView]
    next_before: str | None


class AnomalyCount(BaseModel):
    """How often one rule fired in the range."""

    rule_id: str
    count: int
    failed: int
    commands: int


class AnomalySummary(BaseModel):
    """Counts per rule over a time range."""

    since: datetime | None
    until: datetime | None
    items: list[AnomalyCount]


class AnomalyService:
    """Reads anomaly events of the caller's organisation."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def list(
        self,
        principal: Principal,
        *,
        rule_id: str | None = None,
        command_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        before: str | None = None,
        limit: int = 100,
    ) -> AnomalyList:
        """Events matching every filter given, newest first, paged by ``before``."""
        query = select(AnomalyEvent).where(AnomalyEvent.org_id == principal.org_id)
        if rule_id:
            query = query.where(AnomalyEvent.rule_id == rule_id)
        if command_id:
            query = query.where(AnomalyEvent.command_id == command_id)
        query = _in_range(query, since, until)
        async with self._db.read() as conn:
            if before:
                cursor = await _event(conn, principal, before)
                query = query.where(
                    (AnomalyEvent.at < cursor.at)
                    | ((AnomalyEvent.at == cursor.at) & (AnomalyEvent.id < cursor.id))
                )
            rows = (
                await conn.execute(
                    query.order_by(AnomalyEvent.at.desc(), AnomalyEvent.id.desc()).limit(limit + 1)
                )
            ).all()
        items = [
            AnomalyView(
                id=row.id,
                command_id=row.command_id,
                agent=row.agent_name,
                rule_id=row.rule_id,
                score=row.score,
                reason=row.reason,
                failed=row.failed,
                at=row.at,
            )
            for row in rows[:limit]
        ]
        more = len(rows) > limit and items
        return AnomalyList(items=items, next_before=items[-1].id if more else None)

    async def summary(
        self, principal: Principal, *, since: datetime | None, until: datetime | None
    ) -> AnomalySummary:
        """How many times each rule fired (and failed), and on how many commands."""
        query = (
            select(
                AnomalyEvent.rule_id,
                func.count().label("count"),
                func.count(AnomalyEvent.command_id.distinct()).label("commands"),
                func.sum(case((AnomalyEvent.failed, 1), else_=0)).label("failed"),
            )
            .where(AnomalyEvent.org_id == principal.org_id)
            .group_by(AnomalyEvent.rule_id)
            .order_by(func.count().desc(), AnomalyEvent.rule_id)
        )
        query = _in_range(query, since, until)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
        return AnomalySummary(
            since=since,
            until=until,
            items=[
                AnomalyCount(
                    rule_id=row.rule_id,
                    count=row.count,
                    failed=int(row.failed or 0),
                    commands=row.commands,
                )
                for row in rows
            ],
        )


def _in_range(query: Any, since: datetime | None, until: datetime | None) -> Any:
    if since is not None:
        query = query.where(AnomalyEvent.at >= since)
    if until is not None:
        query = query.where(AnomalyEvent.at < until)
    return query


async def _event(conn: AsyncConnection, principal: Principal, event_id: str) -> Any:
    row = (
        await conn.execute(
            select(AnomalyEvent.at, AnomalyEvent.id).where(
                AnomalyEvent.id == event_id, AnomalyEvent.org_id == principal.org_id
            )
        )
    ).first()
    if row is None:
        raise InvalidRequest("unknown cursor", before=event_id)
    return row
