"""Housekeeping of recordings: finishing idle ones, deleting those past the org's retention."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import delete, func, select

from expacti_server.audit import service as audit
from expacti_server.audit.actor import SYSTEM
from expacti_server.db.base import utcnow
from expacti_server.db.engine import Database
from expacti_server.identity.models import Org
from expacti_server.recording.models import Execution, Recording
from expacti_server.recording.service import RecordingService

log = structlog.get_logger(__name__)

SWEEP_EVERY_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class SweepResult:
    """What one sweep did."""

    finished: list[str]
    deleted: list[str]


async def sweep(
    database: Database,
    recordings: RecordingService,
    *,
    idle_seconds: int | None,
    now: datetime | None = None,
) -> SweepResult:
    """Finish live recordings idle for ``idle_seconds`` (None: leave them to the server that
    writes them); delete finished ones past their org's retention."""
    now = now or utcnow()
    finished = (
        await _finish_idle(database, recordings, now - timedelta(seconds=idle_seconds))
        if idle_seconds is not None
        else []
    )
    deleted = await _delete_expired(database, recordings, now)
    return SweepResult(finished=finished, deleted=deleted)


async def _finish_idle(
    database: Database, recordings: RecordingService, cutoff: datetime
) -> list[str]:
    activity = (
        select(
            Execution.recording_id,
            func.max(func.coalesce(Execution.ended_at, Execution.started_at)).label("last"),
        )
        .group_by(Execution.recording_id)
        .subquery()
    )
    async with database.read() as conn:
        rows = (
            await conn.execute(
                select(Recording.id, Recording.org_id)
                .outerjoin(activity, activity.c.recording_id == Recording.id)
                .where(
                    Recording.status == "live",
                    func.coalesce(activity.c.last, Recording.started_at) < cutoff,
                )
            )
        ).all()
    for row in rows:
        await recordings.finish(row.org_id, row.id)
    return [row.id for row in rows]


async def _delete_expired(
    database: Database, recordings: RecordingService, now: datetime
) -> list[str]:
    async with database.read() as conn:
        orgs = (
            await conn.execute(
                select(Org.id, Org.recording_retention_days).where(
                    Org.recording_retention_days.is_not(None)
                )
            )
        ).all()
        expired: list[tuple[str, str, str]] = []
        for org in orgs:
            cutoff = now - timedelta(days=org.recording_retention_days)
            found = await conn.execute(
                select(Recording.id, Recording.org_id, Recording.store_key).where(
                    Recording.org_id == org.id,
                    Recording.status == "finished",
                    Recording.ended_at < cutoff,
                )
            )
            expired.extend((r.id, r.org_id, r.store_key) for r in found)
    for recording_id, org_id, key in expired:
        async with database.write() as conn:
            await conn.execute(delete(Recording).where(Recording.id == recording_id))
            await audit.record(
                conn,
                org_id=org_id,
                actor=SYSTEM,
                action="recording.deleted",
                data={"recording_id": recording_id, "reason": "retention"},
            )
        await recordings.store.delete(key)
    return [r[0] for r in expired]


class RecordingSweeper:
    """Runs ``sweep`` in the background every few minutes while the server runs."""

    def __init__(
        self, database: Database, recordings: RecordingService, *, idle_seconds: int
    ) -> None:
        self._db = database
        self._recordings = recordings
        self._idle = idle_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin sweeping (called once the database is migrated)."""
        self._task = asyncio.create_task(self._loop())

    async def aclose(self) -> None:
        """Stop sweeping."""
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            try:
                result = await sweep(self._db, self._recordings, idle_seconds=self._idle)
                if result.finished or result.deleted:
                    log.info("recordings_swept", finished=result.finished, deleted=result.deleted)
            except Exception:
                log.exception("recording_sweep_failed")
            await asyncio.sleep(SWEEP_EVERY_SECONDS)
