"""State transitions of a command and the audit events that go with them.

Each function runs inside the caller's transaction, so a transition and its
audit record commit together or not at all.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.audit import chain
from expacti_server.audit.actor import SYSTEM, Actor
from expacti_server.commands.models import Command
from expacti_server.commands.record import CommandRecord
from expacti_server.commands.status import Status
from expacti_server.db.base import utcnow
from expacti_server.errors import AlreadyDecided
from expacti_server.identity.principal import Principal


async def finalize(
    conn: AsyncConnection,
    record: CommandRecord,
    *,
    status: Status,
    actor: Actor,
    notes: str | None,
    votes: list[dict[str, Any]] | None = None,
    approved_command: str | None = None,
) -> CommandRecord:
    """Move a pending command to its final state, inside the caller's transaction.

    ``votes`` (when given) replaces the command's votes, the last one being the
    vote that decided; ``approved_command`` is a reviewer's edit of the text.
    """
    now = utcnow()
    votes = record.votes if votes is None else votes
    approved_command = approved_command if approved_command is not None else record.approved_command
    latency_ms = (now - record.created_at).total_seconds() * 1000.0
    reviewer_id = actor.id if actor.type == "reviewer" else None
    reviewer_name = actor.name if actor.type == "reviewer" else None
    result = await conn.execute(
        update(Command)
        .where(Command.id == record.id, Command.status == Status.PENDING)
        .values(
            status=status,
            decided_at=now,
            reviewer_id=reviewer_id,
            reviewer_name=reviewer_name,
            notes=notes,
            latency_ms=latency_ms,
            approvals=votes or None,
            approved_command=approved_command,
        )
    )
    if result.rowcount != 1:
        raise AlreadyDecided(command_id=record.id)
    await chain.append(
        conn,
        [
            {
                "at": now,
                "org_id": record.org_id,
                "actor_type": actor.type,
                "actor_id": actor.id,
                "actor_name": actor.name,
                "action": "command.decided",
                "command_id": record.id,
                "rule_id": None,
                "data": {
                    "decision": status.value,
                    "latency_ms": round(latency_ms, 3),
                    "risk_score": record.risk_score,
                    "whitelisted": False,
                    "notes": notes,
                    "approvers": [v["reviewer"] for v in votes or () if v["vote"] == "approve"],
                    "edited": approved_command is not None,
                },
            }
        ],
    )
    return dataclasses.replace(
        record,
        status=status.value,
        decided_at=now,
        reviewer_id=reviewer_id,
        reviewer_name=reviewer_name,
        notes=notes,
        latency_ms=latency_ms,
        approvals=votes or None,
        approved_command=approved_command,
    )


async def record_vote(
    conn: AsyncConnection,
    record: CommandRecord,
    *,
    votes: list[dict[str, Any]],
    required: int,
    approved_command: str | None,
    requirement: dict[str, Any] | None = None,
) -> CommandRecord:
    """Store a vote with its audit event (the command stays pending unless the caller then
    finalizes it). ``requirement`` replaces the stored one (an edit made it stricter)."""
    values: dict[str, Any] = {"approvals": votes, "approved_command": approved_command}
    if requirement is not None:
        values["requirement"] = requirement
    result = await conn.execute(
        update(Command)
        .where(Command.id == record.id, Command.status == Status.PENDING)
        .values(**values)
    )
    if result.rowcount != 1:
        raise AlreadyDecided(command_id=record.id)
    vote = votes[-1]
    await chain.append(
        conn,
        [
            {
                "at": utcnow(),
                "org_id": record.org_id,
                "actor_type": "reviewer",
                "actor_id": vote["reviewer_id"],
                "actor_name": vote["reviewer"],
                "action": "command.vote",
                "command_id": record.id,
                "rule_id": None,
                "data": {
                    "vote": vote["vote"],
                    "role": vote["role"],
                    "notes": vote.get("note"),
                    "approvals": sum(1 for v in votes if v["vote"] == "approve"),
                    "required": required,
                },
            }
        ],
    )
    return dataclasses.replace(
        record,
        approvals=votes,
        approved_command=approved_command,
        requirement=requirement if requirement is not None else record.requirement,
    )


async def record_edit(
    conn: AsyncConnection, record: CommandRecord, *, actor: Actor, edited: str
) -> None:
    """Audit a reviewer's edit with both versions (the command row changes with the vote)."""
    await chain.append(
        conn,
        [
            {
                "at": utcnow(),
                "org_id": record.org_id,
                "actor_type": actor.type,
                "actor_id": actor.id,
                "actor_name": actor.name,
                "action": "command.edited",
                "command_id": record.id,
                "rule_id": None,
                "data": {
                    "before": record.command_to_run,
                    "after": edited,
                    "original": record.command,
                },
            }
        ],
    )


async def escalate(
    conn: AsyncConnection, record: CommandRecord, *, extend_seconds: int, next_tier: str
) -> CommandRecord | None:
    """Extend a pending command's deadline once and note the escalation; None if it was
    decided or escalated meanwhile."""
    now = utcnow()
    expires_at = now + timedelta(seconds=extend_seconds)
    result = await conn.execute(
        update(Command)
        .where(
            Command.id == record.id,
            Command.status == Status.PENDING,
            Command.escalated_at.is_(None),
        )
        .values(escalated_at=now, expires_at=expires_at)
    )
    if result.rowcount != 1:
        return None
    await chain.append(
        conn,
        [
            {
                "at": now,
                "org_id": record.org_id,
                "actor_type": SYSTEM.type,
                "actor_id": None,
                "actor_name": SYSTEM.name,
                "action": "command.escalated",
                "command_id": record.id,
                "rule_id": None,
                "data": {
                    "next_tier": next_tier,
                    "expires_at": expires_at.isoformat(),
                    "extended_by_seconds": extend_seconds,
                },
            }
        ],
    )
    return dataclasses.replace(record, escalated_at=now, expires_at=expires_at)


def submission_audit_events(
    principal: Principal, values: dict[str, Any], now: datetime, rule_ids: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """The audit events of a submission: submitted, and decided too when whitelisted."""
    base = {
        "at": now,
        "org_id": principal.org_id,
        "actor_type": "agent",
        "actor_id": principal.id,
        "actor_name": principal.name,
        "command_id": values["id"],
    }
    events = [
        {
            **base,
            "action": "command.submitted",
            "rule_id": None,
            "data": {
                "command": values["command"],
                "target": values["target"],
                "request_id": values["request_id"],
                "origin": values["origin"],
                "risk_score": values["risk_score"],
                "anomalies": values["anomalies"],
                "expires_at": values["expires_at"].isoformat(),
                "requirement": values["requirement"],
                "session_id": values["session_id"],
            },
        }
    ]
    if values["encrypted"] is not None:
        # Which keys could read it; the ciphertext itself stays on the command only.
        events[0]["data"]["encrypted"] = {
            "alg": values["encrypted"]["alg"],
            "key_ids": [r["key_id"] for r in values["encrypted"]["recipients"]],
        }
    if values["whitelisted"]:
        events.append(
            {
                **base,
                "actor_type": SYSTEM.type,
                "actor_id": None,
                "actor_name": SYSTEM.name,
                "action": "command.decided",
                "rule_id": values["rule_id"],
                "data": {
                    "decision": Status.APPROVED.value,
                    "latency_ms": round(values["latency_ms"], 3),
                    "risk_score": values["risk_score"],
                    "whitelisted": True,
                    "rule_ids": list(rule_ids),
                },
            }
        )
    return events
