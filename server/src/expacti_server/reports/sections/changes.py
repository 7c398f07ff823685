"""Changes read from the audit log: whitelist rules, approval policies, roles, owners."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.approvals.models import ApprovalPolicy
from expacti_server.audit.models import AuditEvent
from expacti_server.identity.models import Org
from expacti_server.reports import stats
from expacti_server.reports.sections.models import (
    LIST_LIMIT,
    ActorCount,
    ChangeEvent,
    ChangesSection,
    Listing,
    PolicyEntry,
    RoutingView,
    WhitelistSection,
)
from expacti_server.reports.window import ReportWindow
from expacti_server.whitelist.models import WhitelistRule

WHITELIST_ACTIONS: Final = (
    "whitelist.created",
    "whitelist.updated",
    "whitelist.deleted",
    "whitelist.expired",
    "suggestion.accepted",
)
ACCESS_ACTIONS: Final = (
    "approval_policy.created",
    "approval_policy.updated",
    "approval_policy.deleted",
    "reviewer.role_changed",
    "agent.owner_changed",
    "org.policy_changed",
)
SUGGESTION_NOTE: Final = (
    "Accepting a suggested rule also records whitelist.created for the new rule, so an "
    "accepted suggestion counts under both actions."
)
_DETAIL_LIMIT: Final = 300


async def action_counts(
    conn: AsyncConnection, *, org_id: str, window: ReportWindow
) -> dict[str, int]:
    """Audit records in the window per action (every action, for every section)."""
    rows = await conn.execute(
        select(AuditEvent.action, func.count().label("n"))
        .where(_in_window(org_id, window))
        .group_by(AuditEvent.action)
    )
    return {str(row.action): int(row.n) for row in rows}


async def whitelist_section(
    conn: AsyncConnection,
    *,
    org_id: str,
    window: ReportWindow,
    counts: dict[str, int],
    auto_approvals: int,
    now: datetime,
) -> WhitelistSection:
    """Whitelist changes and who made or accepted them."""
    by_action = stats.fill(counts, WHITELIST_ACTIONS)
    total = sum(by_action.values())
    actors = await conn.execute(
        select(AuditEvent.actor_name, AuditEvent.actor_type, func.count().label("n"))
        .where(_in_window(org_id, window), AuditEvent.action.in_(WHITELIST_ACTIONS))
        .group_by(AuditEvent.actor_name, AuditEvent.actor_type)
    )
    by_actor = sorted(
        (ActorCount(actor=r.actor_name, actor_type=r.actor_type, changes=int(r.n)) for r in actors),
        key=lambda a: (-a.changes, a.actor or ""),
    )
    rules_active = await conn.scalar(
        select(func.count())
        .select_from(WhitelistRule)
        .where(
            WhitelistRule.org_id == org_id,
            (WhitelistRule.expires_at.is_(None)) | (WhitelistRule.expires_at > now),
        )
    )
    return WhitelistSection(
        by_action=by_action,
        total_changes=total,
        by_actor=by_actor[:LIST_LIMIT],
        events=await _events(conn, org_id, window, WHITELIST_ACTIONS, total),
        rules_active=int(rules_active or 0),
        auto_approvals=auto_approvals,
        notes=[SUGGESTION_NOTE],
    )


async def changes_section(
    conn: AsyncConnection, *, org_id: str, window: ReportWindow, counts: dict[str, int]
) -> ChangesSection:
    """Approval policy, role, owner and organisation policy changes; policies now."""
    by_action = stats.fill(counts, ACCESS_ACTIONS)
    total = sum(by_action.values())
    org = (
        await conn.execute(
            select(Org.senior_risk_threshold, Org.timeout_seconds, Org.timeout_action).where(
                Org.id == org_id
            )
        )
    ).one()
    policies = await current_policies(conn, org_id)
    return ChangesSection(
        by_action=by_action,
        total=total,
        events=await _events(conn, org_id, window, ACCESS_ACTIONS, total),
        policies=policies,
        routing=RoutingView(
            senior_risk_threshold=org.senior_risk_threshold,
            high_risk_routing=org.senior_risk_threshold <= 100,
            timeout_seconds=org.timeout_seconds,
            timeout_action=org.timeout_action,
        ),
    )


async def current_policies(conn: AsyncConnection, org_id: str) -> list[PolicyEntry]:
    """The org's approval policies now, in the order they are tried."""
    rows = await conn.execute(
        select(ApprovalPolicy)
        .where(ApprovalPolicy.org_id == org_id)
        .order_by(ApprovalPolicy.priority, ApprovalPolicy.created_at, ApprovalPolicy.id)
    )
    return [
        PolicyEntry(
            id=row.id,
            name=row.name,
            priority=row.priority,
            min_role=row.min_role,
            required=row.require_n_approvers,
            mode=row.mode,
            target_scope=row.target_scope,
            min_risk=row.min_risk,
            command_pattern=row.command_pattern,
        )
        for row in rows
    ]


def describe_change(action: str, data: dict[str, Any]) -> str:
    """One line saying what an audit record of a change changed."""
    if action == "whitelist.updated":
        text = f"{_rule(data.get('before') or {})} -> {_rule(data.get('after') or {})}"
    elif action == "suggestion.accepted":
        text = f"accepted suggested rule {_rule(data)}"
    elif action.startswith("whitelist."):
        text = _rule(data)
    elif action == "approval_policy.updated":
        text = f"{_policy(data.get('before') or {})} -> {_policy(data.get('after') or {})}"
    elif action.startswith("approval_policy."):
        text = _policy(data)
    elif action == "reviewer.role_changed":
        text = f"{data.get('reviewer')}: {data.get('before')} -> {data.get('after')}"
    elif action == "agent.owner_changed":
        text = (
            f"{data.get('agent')}: owner {data.get('before') or 'none'} -> "
            f"{data.get('after') or 'none'}"
        )
    elif action == "org.policy_changed":
        text = ", ".join(
            f"{name}: {change.get('before')} -> {change.get('after')}"
            for name, change in sorted(data.items())
            if isinstance(change, dict)
        )
    else:
        text = ""
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 3] + "..."


def _rule(data: dict[str, Any]) -> str:
    expires = f", expires {data['expires_at']}" if data.get("expires_at") else ""
    return f"{data.get('type')} {data.get('pattern')!r} ({data.get('scope')}{expires})"


def _policy(data: dict[str, Any]) -> str:
    return (
        f"{data.get('name')!r}: {data.get('require_n_approvers')} x {data.get('min_role')} "
        f"({data.get('policy')})"
    )


def _in_window(org_id: str, window: ReportWindow) -> Any:
    return (
        (AuditEvent.org_id == org_id)
        & (AuditEvent.at >= window.start)
        & (AuditEvent.at < window.end)
    )


async def _events(
    conn: AsyncConnection,
    org_id: str,
    window: ReportWindow,
    actions: Sequence[str],
    total: int,
) -> Listing[ChangeEvent]:
    """The newest ``LIST_LIMIT`` records of ``actions``, oldest first."""
    rows = (
        await conn.execute(
            select(AuditEvent)
            .where(_in_window(org_id, window), AuditEvent.action.in_(actions))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(LIST_LIMIT)
        )
    ).all()
    items = [
        ChangeEvent(
            at=row.at,
            action=row.action,
            actor=row.actor_name,
            actor_type=row.actor_type,
            rule_id=row.rule_id,
            command_id=row.command_id,
            detail=describe_change(row.action, row.data or {}),
        )
        for row in reversed(rows)
    ]
    return Listing[ChangeEvent](total=total, items=items)
