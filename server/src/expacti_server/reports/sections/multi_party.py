"""Commands whose requirement needed more than one approver, and who approved them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.commands.models import Command
from expacti_server.reports.sections.models import (
    LIST_LIMIT,
    Listing,
    MultiPartyCommand,
    MultiPartySection,
    Outcomes,
    PolicyEntry,
)
from expacti_server.reports.sections.sql import category, commands_in, required_approvers
from expacti_server.reports.window import ReportWindow


async def multi_party_section(
    conn: AsyncConnection, *, org_id: str, window: ReportWindow, policies: list[PolicyEntry]
) -> MultiPartySection:
    """Counts by outcome over every such command; votes for the newest ``LIST_LIMIT``."""
    where = (commands_in(org_id, window), required_approvers() > 1)
    inner = select(category().label("outcome")).where(*where).subquery()
    outcomes = Outcomes.of(
        {
            str(row.outcome): int(row.n)
            for row in await conn.execute(
                select(inner.c.outcome, func.count().label("n")).group_by(inner.c.outcome)
            )
        }
    )
    rows = (
        await conn.execute(
            select(
                Command.id,
                Command.agent_name,
                Command.created_at,
                Command.requirement,
                Command.approvals,
                category().label("outcome"),
            )
            .where(*where)
            .order_by(Command.created_at.desc(), Command.id.desc())
            .limit(LIST_LIMIT)
        )
    ).all()
    items = [_item(row) for row in reversed(rows)]
    return MultiPartySection(
        policies=[p for p in policies if p.required > 1],
        commands=outcomes.total,
        outcomes=outcomes,
        approvals=sum(len(item.approvers) for item in items),
        items=Listing[MultiPartyCommand](total=outcomes.total, items=items),
    )


def _item(row: Any) -> MultiPartyCommand:
    requirement: dict[str, Any] = row.requirement or {}
    votes: list[dict[str, Any]] = row.approvals or []
    return MultiPartyCommand(
        command_id=row.id,
        agent=row.agent_name,
        submitted_at=row.created_at,
        outcome=str(row.outcome),
        required=int(requirement.get("required", 1)),
        mode=str(requirement.get("mode", "AllOf")),
        policy_id=requirement.get("policy_id"),
        approvers=[str(v.get("reviewer")) for v in votes if v.get("vote") == "approve"],
        deniers=[str(v.get("reviewer")) for v in votes if v.get("vote") == "deny"],
    )
