"""Exporting an org's audit records for a time range, as JSON Lines or CSV, in bounded memory."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select

from expacti_server.audit.models import AuditEvent
from expacti_server.db.engine import Database

ExportFormat = Literal["jsonl", "csv"]
BATCH = 2000
COLUMNS = (
    "id",
    "org_id",
    "seq",
    "at",
    "actor_type",
    "actor_id",
    "actor_name",
    "action",
    "command_id",
    "rule_id",
    "data",
    "prev_hash",
    "hash",
)
MEDIA_TYPES = {"jsonl": "application/jsonl", "csv": "text/csv"}


async def export_records(
    database: Database,
    *,
    org_id: str,
    fmt: ExportFormat,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AsyncIterator[bytes]:
    """The records in chain order (``since`` inclusive, ``until`` exclusive), a batch at a
    time, each carrying its seq and hashes so the export can be checked on its own."""
    if fmt == "csv":
        yield _csv_row(COLUMNS)
    after = 0
    while True:
        query = (
            select(AuditEvent)
            .where(AuditEvent.org_id == org_id, AuditEvent.seq > after)
            .order_by(AuditEvent.seq)
            .limit(BATCH)
        )
        if since is not None:
            query = query.where(AuditEvent.at >= since)
        if until is not None:
            query = query.where(AuditEvent.at < until)
        async with database.read() as conn:
            rows = [AuditEvent(**row._mapping) for row in await conn.execute(query)]
        if not rows:
            return
        chunk = [_render(record_of(row), fmt) for row in rows]
        yield b"".join(chunk)
        after = int(rows[-1].seq or 0)


def record_of(event: AuditEvent) -> dict[str, Any]:
    """One record as exported: every field its hash covers, and the hashes."""
    return {
        "id": event.id,
        "org_id": event.org_id,
        "seq": event.seq,
        "at": event.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "actor_type": event.actor_type,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "action": event.action,
        "command_id": event.command_id,
        "rule_id": event.rule_id,
        "data": event.data,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def _render(record: dict[str, Any], fmt: ExportFormat) -> bytes:
    if fmt == "jsonl":
        return json.dumps(record, ensure_ascii=False, sort_keys=True).encode() + b"\n"
    values = [
        json.dumps(record[c], ensure_ascii=False, sort_keys=True) if c == "data" else record[c]
        for c in COLUMNS
    ]
    return _csv_row(values)


def _csv_row(values: Any) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(["" if v is None else v for v in values])
    return buffer.getvalue().encode()
