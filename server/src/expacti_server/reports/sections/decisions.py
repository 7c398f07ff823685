"""Approvals and denials of the commands submitted in the range, all by SQL aggregates.

Rows are counted and bucketed in the database; only the grouped counts come
back, so memory does not grow with the number of commands. Percentiles are
exact nearest-rank values read with ``ORDER BY latency_ms LIMIT 1 OFFSET k``.
Expressions with parameters are grouped through a subquery, so PostgreSQL
sees one column rather than two spellings of the same expression.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from expacti_server.commands.models import Command
from expacti_server.commands.status import Status
from expacti_server.reports import stats
from expacti_server.reports.sections.models import (
    LIST_LIMIT,
    DayCounts,
    DecisionCounts,
    DecisionsSection,
    HistogramBucket,
    LatencyStats,
    Listing,
    Outcomes,
    ReviewerDecisions,
    RiskBandCounts,
)
from expacti_server.reports.sections.sql import category, commands_in, human_decision, utc_day
from expacti_server.reports.window import ReportWindow

LATENCY_METHOD = (
    "exact, computed in SQL over every human decision in the range: nearest-rank "
    "(ORDER BY latency LIMIT 1 OFFSET k); the median of an even count is the lower middle value"
)


async def decisions_section(
    conn: AsyncConnection, *, org_id: str, window: ReportWindow
) -> DecisionsSection:
    """The decisions section for one org and window."""
    per_day = await _per_day(conn, org_id, window)
    totals: dict[str, int] = defaultdict(int)
    for counts in per_day.values():
        for outcome, n in counts.items():
            totals[outcome] += n
    outcomes = Outcomes.of(totals)
    return DecisionsSection(
        counts=DecisionCounts(**outcomes.model_dump(), submitted=outcomes.total),
        human_decisions=outcomes.human_decisions,
        latency=await _latency(conn, org_id, window),
        latency_histogram=await _histogram(conn, org_id, window),
        per_day=[
            DayCounts(**Outcomes.of(per_day.get(day.isoformat(), {})).model_dump(), day=day)
            for day in window.days()
        ],
        risk_mix=await _risk_mix(conn, org_id, window),
        edited=await _count(
            conn,
            commands_in(org_id, window),
            Command.status == Status.APPROVED.value,
            Command.approved_command.is_not(None),
        ),
        escalated=await _count(
            conn, commands_in(org_id, window), Command.escalated_at.is_not(None)
        ),
        by_reviewer=await _by_reviewer(conn, org_id, window),
    )


async def _count(conn: AsyncConnection, *where: ColumnElement[bool]) -> int:
    return int(await conn.scalar(select(func.count()).select_from(Command).where(*where)) or 0)


async def _per_day(
    conn: AsyncConnection, org_id: str, window: ReportWindow
) -> dict[str, dict[str, int]]:
    inner = (
        select(utc_day(conn, Command.created_at).label("day"), category().label("outcome")).where(
            commands_in(org_id, window)
        )
    ).subquery()
    rows = await conn.execute(
        select(inner.c.day, inner.c.outcome, func.count().label("n")).group_by(
            inner.c.day, inner.c.outcome
        )
    )
    result: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        result[str(row.day)][str(row.outcome)] = int(row.n)
    return result


async def _latency(conn: AsyncConnection, org_id: str, window: ReportWindow) -> LatencyStats:
    where = (commands_in(org_id, window), human_decision())
    row = (
        await conn.execute(
            select(func.count(), func.max(Command.latency_ms)).select_from(Command).where(*where)
        )
    ).one()
    count, maximum = int(row[0] or 0), row[1]
    if count == 0:
        return LatencyStats(
            decisions=0, median_ms=None, p95_ms=None, max_ms=None, method=LATENCY_METHOD
        )

    async def percentile(percent: int) -> float:
        offset = stats.nearest_rank_index(count, percent)
        value = await conn.scalar(
            select(Command.latency_ms)
            .where(*where)
            .order_by(Command.latency_ms, Command.id)
            .limit(1)
            .offset(offset)
        )
        return round(float(value or 0.0), 3)

    return LatencyStats(
        decisions=count,
        median_ms=await percentile(stats.MEDIAN),
        p95_ms=await percentile(stats.P95),
        max_ms=round(float(maximum or 0.0), 3),
        method=LATENCY_METHOD,
    )


async def _histogram(
    conn: AsyncConnection, org_id: str, window: ReportWindow
) -> list[HistogramBucket]:
    label = case(
        *[
            (Command.latency_ms < bucket.upper_ms, bucket.label)
            for bucket in stats.LATENCY_BUCKETS
            if bucket.upper_ms is not None
        ],
        else_=stats.LATENCY_BUCKETS[-1].label,
    )
    inner = (
        select(label.label("bucket")).where(commands_in(org_id, window), human_decision())
    ).subquery()
    rows = await conn.execute(
        select(inner.c.bucket, func.count().label("n")).group_by(inner.c.bucket)
    )
    counts = {str(row.bucket): int(row.n) for row in rows}
    return [
        HistogramBucket(
            label=b.label, lower_ms=b.lower_ms, upper_ms=b.upper_ms, count=counts.get(b.label, 0)
        )
        for b in stats.LATENCY_BUCKETS
    ]


async def _risk_mix(
    conn: AsyncConnection, org_id: str, window: ReportWindow
) -> list[RiskBandCounts]:
    band = case(
        *[(Command.risk_score <= b.max_score, b.name) for b in stats.RISK_BANDS[:-1]],
        else_=stats.RISK_BANDS[-1].name,
    )
    inner = (
        select(band.label("band"), category().label("outcome")).where(commands_in(org_id, window))
    ).subquery()
    rows = await conn.execute(
        select(inner.c.band, inner.c.outcome, func.count().label("n")).group_by(
            inner.c.band, inner.c.outcome
        )
    )
    by_band: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        by_band[str(row.band)][str(row.outcome)] = int(row.n)
    result = []
    for b in stats.RISK_BANDS:
        outcomes = Outcomes.of(by_band.get(b.name, {}))
        result.append(
            RiskBandCounts(
                **outcomes.model_dump(),
                band=b.name,
                min_score=b.min_score,
                max_score=b.max_score,
                commands=outcomes.total,
            )
        )
    return result


async def _by_reviewer(
    conn: AsyncConnection, org_id: str, window: ReportWindow
) -> Listing[ReviewerDecisions]:
    rows = await conn.execute(
        select(Command.reviewer_name, Command.status, func.count().label("n"))
        .where(commands_in(org_id, window), human_decision())
        .group_by(Command.reviewer_name, Command.status)
    )
    tally: dict[str, dict[str, int]] = defaultdict(lambda: {"approved": 0, "denied": 0})
    for row in rows:
        tally[str(row.reviewer_name)][str(row.status)] += int(row.n)
    ranked = sorted(tally.items(), key=lambda kv: (-(kv[1]["approved"] + kv[1]["denied"]), kv[0]))
    return Listing[ReviewerDecisions](
        total=len(ranked),
        items=[
            ReviewerDecisions(reviewer=name, approved=c["approved"], denied=c["denied"])
            for name, c in ranked[:LIST_LIMIT]
        ],
    )
