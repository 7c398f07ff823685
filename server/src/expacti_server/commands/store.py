"""Storing a submission: the one write on the hot path of every command.

On SQLite it runs as a single plain-function transaction on the writer
thread; on PostgreSQL through SQLAlchemy. Either way the command row, its
audit events and the whitelist hit counts commit together or not at all.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from expacti_server.audit.models import AuditEvent
from expacti_server.commands.models import Command
from expacti_server.db.engine import Database
from expacti_server.db.sqlite_writer import RowEncoder
from expacti_server.whitelist.models import WhitelistRule
from expacti_server.whitelist.service import record_hits


class DuplicateRequest(Exception):
    """The agent already has a command with this request_id (a resume, not an error)."""


_COMMANDS = RowEncoder(Command.__table__)  # type: ignore[arg-type]
_AUDIT = RowEncoder(AuditEvent.__table__)  # type: ignore[arg-type]
_LAST_HIT = RowEncoder(WhitelistRule.__table__)  # type: ignore[arg-type]


async def store_submission(
    database: Database,
    *,
    command: dict[str, Any],
    audit_events: list[dict[str, Any]],
    rule_ids: tuple[str, ...],
    at: datetime,
) -> None:
    """Insert the command and its audit events, and count whitelist hits, atomically.

    Raises DuplicateRequest when (agent, request_id) exists already.
    """
    if database.sqlite_writer is not None:
        hit_at = _LAST_HIT.encode({"last_hit_at": at})["last_hit_at"]

        def job(conn: sqlite3.Connection) -> None:
            _COMMANDS.insert(conn, [command])
            _AUDIT.insert(conn, audit_events)
            if rule_ids:
                marks = ", ".join("?" for _ in rule_ids)
                # Only "?" placeholders are interpolated.
                sql = f"UPDATE whitelist_rules SET hit_count = hit_count + 1, last_hit_at = ? WHERE id IN ({marks})"  # noqa: S608, E501
                conn.execute(sql, (hit_at, *rule_ids))

        try:
            await database.run_sqlite(job)
        except sqlite3.IntegrityError as exc:
            raise DuplicateRequest from exc
        return
    try:
        async with database.write() as conn:
            await conn.execute(insert(Command), command)
            await conn.execute(insert(AuditEvent), audit_events)
            if rule_ids:
                await record_hits(conn, rule_ids, at)
    except IntegrityError as exc:
        raise DuplicateRequest from exc
