"""Reading and writing suggestion rows, and reading the history they are learnt from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, or_, select, update
from sqlalchemy import insert as insert_into
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.audit import service as audit
from expacti_server.commands.models import Command
from expacti_server.commands.status import Status
from expacti_server.errors import NotFound, SuggestionNotOpen
from expacti_server.identity.principal import Principal
from expacti_server.ids import new_id
from expacti_server.suggestions.engine import Proposal
from expacti_server.suggestions.models import RuleSuggestion
from expacti_server.suggestions.replay import HistoryRow, Replay
from expacti_server.suggestions.schemas import SuggestionFilter, SuggestionStatus
from expacti_server.whitelist.cache import WhitelistCache
from expacti_server.whitelist.models import WhitelistRule


async def history(conn: AsyncConnection, org_id: str, *, limit: int) -> list[HistoryRow]:
    """The org's newest ``limit`` decided commands that are not encrypted, newest first."""
    result = await conn.execute(
        select(
            Command.command,
            Command.target,
            Command.status,
            Command.risk_score,
            Command.whitelisted,
            Command.created_at,
            Command.reviewer_name,
            Command.approved_command,
        )
        .where(
            Command.org_id == org_id,
            Command.status != Status.PENDING,
            # Never learn from an encrypted command: its text is only a label.
            # (A JSON column may hold SQL NULL or JSON null.)
            or_(Command.encrypted.is_(None), cast(Command.encrypted, Text) == "null"),
        )
        .order_by(Command.id.desc())
        .limit(limit)
    )
    return [
        HistoryRow(
            command=row.command,
            target=row.target,
            status=row.status,
            risk_score=row.risk_score,
            whitelisted=row.whitelisted,
            created_at=row.created_at,
            reviewer_name=row.reviewer_name,
            edited=row.approved_command is not None,
        )
        for row in result
    ]


async def by_fingerprint(conn: AsyncConnection, org_id: str) -> dict[str, RuleSuggestion]:
    """Every suggestion of the org, whatever its status."""
    rows = await conn.execute(select(RuleSuggestion).where(RuleSuggestion.org_id == org_id))
    return {row.fingerprint: RuleSuggestion(**row._mapping) for row in rows}


async def load(conn: AsyncConnection, org_id: str, suggestion_id: str) -> RuleSuggestion:
    """One suggestion of the org, or NotFound (the same for another org's)."""
    row = (
        await conn.execute(
            select(RuleSuggestion).where(
                RuleSuggestion.id == suggestion_id, RuleSuggestion.org_id == org_id
            )
        )
    ).first()
    if row is None:
        raise NotFound("no such suggestion", suggestion_id=suggestion_id)
    return RuleSuggestion(**row._mapping)


async def listed(
    conn: AsyncConnection,
    org_id: str,
    *,
    status: SuggestionFilter,
    target: str | None,
    limit: int,
) -> list[RuleSuggestion]:
    """The org's suggestions, newest first, of one status (or all) and one target's scope."""
    query = select(RuleSuggestion).where(RuleSuggestion.org_id == org_id)
    if status is not SuggestionFilter.ALL:
        query = query.where(RuleSuggestion.status == status.value)
    if target is not None:
        query = query.where(RuleSuggestion.scope == f"target:{target}")
    query = query.order_by(RuleSuggestion.created_at.desc(), RuleSuggestion.id.desc())
    rows = await conn.execute(query.limit(limit))
    return [RuleSuggestion(**row._mapping) for row in rows]


def require_open(suggestion: RuleSuggestion) -> None:
    """SuggestionNotOpen unless reviewers may still act on it."""
    if suggestion.status != SuggestionStatus.OPEN:
        raise SuggestionNotOpen(
            f"this suggestion is {suggestion.status}, not open",
            suggestion_id=suggestion.id,
            status=suggestion.status,
        )


async def close(
    conn: AsyncConnection,
    suggestion: RuleSuggestion,
    status: SuggestionStatus,
    principal: Principal,
    now: datetime,
    *,
    rule_id: str | None = None,
) -> None:
    """Open → ``status``, conditionally: of two racing reviewers one wins, the other gets 409."""
    require_open(suggestion)
    result = await conn.execute(
        update(RuleSuggestion)
        .where(
            RuleSuggestion.id == suggestion.id,
            RuleSuggestion.status == SuggestionStatus.OPEN.value,
        )
        .values(
            status=status.value,
            decided_at=now,
            decided_by_name=principal.name,
            updated_at=now,
            rule_id=rule_id,
        )
    )
    if result.rowcount != 1:
        raise SuggestionNotOpen(
            "this suggestion was decided meanwhile", suggestion_id=suggestion.id
        )


async def insert(conn: AsyncConnection, org_id: str, proposal: Proposal, now: datetime) -> None:
    """Store a new open suggestion."""
    await conn.execute(
        insert_into(RuleSuggestion),
        {
            "id": new_id("sugg"),
            "org_id": org_id,
            "fingerprint": proposal.fingerprint,
            "pattern": proposal.pattern,
            "type": proposal.type.value,
            "scope": proposal.scope,
            "status": SuggestionStatus.OPEN.value,
            "upgrade_of_rule_id": proposal.upgrade_of_rule_id,
            "evidence": proposal.evidence,
            "created_at": now,
            "updated_at": now,
            "decided_at": None,
            "decided_by_name": None,
            "rule_id": None,
        },
    )


async def refresh(
    conn: AsyncConnection, suggestion_id: str, proposal: Proposal, now: datetime
) -> None:
    """New evidence for an open suggestion proposed again."""
    await conn.execute(
        update(RuleSuggestion)
        .where(
            RuleSuggestion.id == suggestion_id,
            RuleSuggestion.status == SuggestionStatus.OPEN.value,
        )
        .values(
            evidence=proposal.evidence,
            upgrade_of_rule_id=proposal.upgrade_of_rule_id,
            updated_at=now,
        )
    )


async def withdraw(
    conn: AsyncConnection, suggestion: RuleSuggestion, result: Replay, now: datetime
) -> None:
    """Open → withdrawn, with the replay that showed why."""
    await conn.execute(
        update(RuleSuggestion)
        .where(
            RuleSuggestion.id == suggestion.id,
            RuleSuggestion.status == SuggestionStatus.OPEN.value,
        )
        .values(
            status=SuggestionStatus.WITHDRAWN.value,
            evidence={**suggestion.evidence, **replay_evidence(result)},
            updated_at=now,
            decided_at=now,
        )
    )


def replay_evidence(result: Replay) -> dict[str, int]:
    """The evidence fields a replay fills in."""
    return {
        "denied": result.matched_denied,
        "would_auto_approve": result.would_auto_approve,
        "matched": result.matched,
        "matched_denied": result.matched_denied,
        "matched_high_risk": result.matched_high_risk,
        "scanned": result.scanned,
    }


def describe(suggestion: RuleSuggestion) -> dict[str, Any]:
    """A suggestion as the audit log records it."""
    return {
        "suggestion_id": suggestion.id,
        "pattern": suggestion.pattern,
        "type": suggestion.type,
        "scope": suggestion.scope,
        "upgrade_of_rule_id": suggestion.upgrade_of_rule_id,
        "evidence": suggestion.evidence,
    }


async def expire_replaced(
    conn: AsyncConnection,
    cache: WhitelistCache,
    principal: Principal,
    rule_id: str,
    now: datetime,
) -> tuple[WhitelistRule, WhitelistRule] | None:
    """Expire the exact rule an accepted upgrade replaces, inside the caller's transaction.

    The rule stops matching at once (dropped from the cache before the change
    commits). Returns (the rule before, the rule after), or None when it was
    deleted or had expired meanwhile. The caller puts the one that holds back
    into the cache.
    """
    row = (
        await conn.execute(
            select(WhitelistRule).where(
                WhitelistRule.id == rule_id, WhitelistRule.org_id == principal.org_id
            )
        )
    ).first()
    if row is None:
        return None
    before, after = WhitelistRule(**row._mapping), WhitelistRule(**row._mapping)
    if before.expires_at is not None and before.expires_at <= now:
        return None
    cache.drop(principal.org_id, rule_id)
    await conn.execute(
        update(WhitelistRule)
        .where(WhitelistRule.id == rule_id)
        .values(expires_at=now, updated_at=now)
    )
    await audit.record(
        conn,
        org_id=principal.org_id,
        actor=principal.actor,
        action="whitelist.expired",
        rule_id=rule_id,
        data={
            "pattern": before.pattern,
            "type": before.type,
            "scope": before.scope,
            "expires_at": now.isoformat(),
            "replaced_by": "suggestion",
        },
    )
    after.expires_at = after.updated_at = now
    return before, after
