"""Storing a submission: the one write on the hot path of every command.

On SQLite it runs as a single plain-function transaction (``db/sqlite_writer``);
on PostgreSQL through SQLAlchemy. Either way the command row, its audit
events and the whitelist hit counts commit together or not at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, update
from sqlalchemy.exc import IntegrityError

from expacti_server.anomalies.models import AnomalyEvent
from expacti_server.audit import chain
from expacti_server.audit.models import AuditEvent
from expacti_server.commands.models import Command
from expacti_server.db.engine import Database
from expacti_server.db.sqlite_writer import RowEncoder, encode_datetime
from expacti_server.whitelist.models import WhitelistRule

RuleVersion = tuple[str, datetime]  # a rule id and the updated_at it was matched at

_COMMANDS = RowEncoder(Command.__table__)  # type: ignore[arg-type]
_AUDIT = RowEncoder(AuditEvent.__table__)  # type: ignore[arg-type]
_ANOMALIES = RowEncoder(AnomalyEvent.__table__)  # type: ignore[arg-type]
_COUNT_HIT = (
    "UPDATE whitelist_rules SET hit_count = hit_count + 1, last_hit_at = :at "
    "WHERE id = :id AND updated_at = :version AND (expires_at IS NULL OR expires_at > :at)"
)


class DuplicateRequest(Exception):
    """The agent already has a command with this request_id (a resume, not an error)."""


class RuleChanged(Exception):
    """A rule that matched was changed, deleted or expired before the command was stored."""


async def store_submission(
    database: Database,
    *,
    command: dict[str, Any],
    audit_events: list[dict[str, Any]],
    rules: Sequence[RuleVersion],
    at: datetime,
    anomalies: Sequence[dict[str, Any]] = (),
) -> None:
    """Insert the command, its audit and anomaly events, and count whitelist hits, atomically.

    Each matching rule must still be the version that matched (the match ran
    on the in-memory cache, before this transaction); otherwise nothing is
    stored and RuleChanged is raised. Raises DuplicateRequest when (agent,
    request_id) exists already.
    """
    if database.sqlite_writer is not None:
        await _store_sqlite(database, command, audit_events, rules, at, anomalies)
        return
    try:
        async with database.write() as conn:
            await conn.execute(insert(Command), command)
            await chain.append(conn, audit_events)
            if anomalies:
                await conn.execute(insert(AnomalyEvent), list(anomalies))
            for rule_id, version in rules:
                counted = await conn.execute(
                    update(WhitelistRule)
                    .where(
                        WhitelistRule.id == rule_id,
                        WhitelistRule.updated_at == version,
                        or_(WhitelistRule.expires_at.is_(None), WhitelistRule.expires_at > at),
                    )
                    .values(hit_count=WhitelistRule.hit_count + 1, last_hit_at=at)
                )
                if counted.rowcount != 1:
                    raise RuleChanged(rule_id)
    except IntegrityError as exc:
        raise DuplicateRequest from exc


async def _store_sqlite(
    database: Database,
    command: dict[str, Any],
    audit_events: list[dict[str, Any]],
    rules: Sequence[RuleVersion],
    at: datetime,
    anomalies: Sequence[dict[str, Any]],
) -> None:
    stamp = encode_datetime(at)

    def job(conn: sqlite3.Connection) -> None:
        _COMMANDS.insert(conn, [command])
        chain.link_sqlite(conn, audit_events, encode_datetime)
        _AUDIT.insert(conn, audit_events)
        if anomalies:
            _ANOMALIES.insert(conn, list(anomalies))
        for rule_id, version in rules:
            params = {"at": stamp, "id": rule_id, "version": encode_datetime(version)}
            if conn.execute(_COUNT_HIT, params).rowcount != 1:
                raise RuleChanged(rule_id)

    try:
        await database.run_sqlite(job)
    except sqlite3.IntegrityError as exc:
        raise DuplicateRequest from exc
