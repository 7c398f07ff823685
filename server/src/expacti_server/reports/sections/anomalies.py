"""Anomaly events in the range, joined to how their command ended (SQL aggregates)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.anomalies.models import AnomalyEvent
from expacti_server.commands.models import Command
from expacti_server.policy.risk.scoring import HIGH_RISK
from expacti_server.reports.sections.models import AnomaliesSection, AnomalyRule, Outcomes
from expacti_server.reports.sections.sql import category, commands_in
from expacti_server.reports.window import ReportWindow


async def anomalies_section(
    conn: AsyncConnection, *, org_id: str, window: ReportWindow
) -> AnomaliesSection:
    """How often each rule fired, and whether a human saw, denied or let through its commands."""
    joined = (
        select(
            AnomalyEvent.rule_id.label("rule_id"),
            AnomalyEvent.command_id.label("command_id"),
            AnomalyEvent.score.label("score"),
            case((AnomalyEvent.failed, 1), else_=0).label("failed"),
            category().label("outcome"),
        )
        .join(Command, Command.id == AnomalyEvent.command_id)
        .where(
            AnomalyEvent.org_id == org_id,
            AnomalyEvent.at >= window.start,
            AnomalyEvent.at < window.end,
        )
    ).subquery()
    per_rule = await conn.execute(
        select(
            joined.c.rule_id,
            joined.c.outcome,
            func.count().label("events"),
            func.count(joined.c.command_id.distinct()).label("commands"),
            func.max(joined.c.score).label("max_score"),
            func.sum(joined.c.failed).label("failed"),
        ).group_by(joined.c.rule_id, joined.c.outcome)
    )
    rules: dict[str, dict[str, int]] = defaultdict(
        lambda: {"events": 0, "commands": 0, "max_score": 0, "failed": 0}
    )
    rule_outcomes: dict[str, dict[str, int]] = defaultdict(dict)
    for row in per_rule:
        entry = rules[str(row.rule_id)]
        entry["events"] += int(row.events)
        # A command has one outcome, so its distinct count per outcome adds up exactly.
        entry["commands"] += int(row.commands)
        entry["max_score"] = max(entry["max_score"], int(row.max_score or 0))
        entry["failed"] += int(row.failed or 0)
        rule_outcomes[str(row.rule_id)][str(row.outcome)] = int(row.commands)
    handling = {
        str(row.outcome): int(row.n)
        for row in await conn.execute(
            select(
                joined.c.outcome, func.count(joined.c.command_id.distinct()).label("n")
            ).group_by(joined.c.outcome)
        )
    }
    by_rule = [
        AnomalyRule(**Outcomes.of(rule_outcomes[rule_id]).model_dump(), rule_id=rule_id, **entry)
        for rule_id, entry in sorted(rules.items(), key=lambda kv: (-kv[1]["events"], kv[0]))
    ]
    high_risk = await conn.scalar(
        select(func.count())
        .select_from(Command)
        .where(commands_in(org_id, window), Command.risk_score >= HIGH_RISK)
    )
    outcomes = Outcomes.of(handling)
    return AnomaliesSection(
        events=sum(r.events for r in by_rule),
        commands=outcomes.total,
        rule_failures=sum(r.failed for r in by_rule),
        high_risk_commands=int(high_risk or 0),
        handling=outcomes,
        by_rule=by_rule,
    )
