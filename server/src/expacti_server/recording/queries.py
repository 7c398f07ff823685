"""Reading recordings back: lists, one recording with its markers, the file itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from expacti_server.db.engine import Database
from expacti_server.errors import NotFound
from expacti_server.recording.models import Execution, Recording
from expacti_server.recording.schemas import (
    RecordingDetail,
    RecordingList,
    RecordingMarker,
    RecordingSummary,
)


async def list_recordings(
    database: Database,
    *,
    org_id: str,
    agent_id: str | None = None,
    session_id: str | None = None,
    command_id: str | None = None,
    before: str | None = None,
    limit: int = 50,
) -> RecordingList:
    """An org's recordings, newest first, optionally of one agent, session or command."""
    query = select(Recording).where(Recording.org_id == org_id)
    if agent_id is not None:
        query = query.where(Recording.agent_id == agent_id)
    if session_id is not None:
        query = query.where(Recording.session_id == session_id)
    if command_id is not None:
        runs = select(Execution.recording_id).where(Execution.command_id == command_id)
        query = query.where(Recording.id.in_(runs))
    async with database.read() as conn:
        if before is not None:
            anchor = (
                await conn.execute(
                    select(Recording.started_at).where(
                        Recording.id == before, Recording.org_id == org_id
                    )
                )
            ).first()
            if anchor is None:
                raise NotFound("no such recording to page from", before=before)
            query = query.where(
                (Recording.started_at < anchor.started_at)
                | ((Recording.started_at == anchor.started_at) & (Recording.id < before))
            )
        rows = await conn.execute(
            query.order_by(Recording.started_at.desc(), Recording.id.desc()).limit(limit)
        )
        items = [_summary(row._mapping) for row in rows]
    return RecordingList(items=items, next_before=items[-1].id if len(items) == limit else None)


async def get_recording(database: Database, *, org_id: str, recording_id: str) -> RecordingDetail:
    """One recording and its command markers, in order."""
    async with database.read() as conn:
        row = (
            await conn.execute(
                select(Recording).where(Recording.id == recording_id, Recording.org_id == org_id)
            )
        ).first()
        if row is None:
            raise NotFound("no such recording", recording_id=recording_id)
        runs = await conn.execute(
            select(Execution)
            .where(Execution.recording_id == recording_id)
            .order_by(Execution.offset_seconds, Execution.started_at)
        )
        markers = [
            RecordingMarker(
                time=run.offset_seconds,
                label=run.label,
                command_id=run.command_id,
                exit_code=run.exit_code,
                finished=run.ended_at is not None,
            )
            for run in runs
        ]
    return RecordingDetail(**_summary(row._mapping).model_dump(), markers=markers)


async def recording_file(database: Database, *, org_id: str, recording_id: str) -> tuple[str, str]:
    """Where a recording's file is stored, and whether it is live or finished."""
    async with database.read() as conn:
        row = (
            await conn.execute(
                select(Recording.store_key, Recording.status).where(
                    Recording.id == recording_id, Recording.org_id == org_id
                )
            )
        ).first()
    if row is None:
        raise NotFound("no such recording", recording_id=recording_id)
    return str(row.store_key), str(row.status)


async def recording_of_commands(database: Database, *, command_ids: list[str]) -> dict[str, str]:
    """The recording each of these commands ran in (commands never run are left out)."""
    if not command_ids:
        return {}
    async with database.read() as conn:
        rows = await conn.execute(
            select(Execution.command_id, Execution.recording_id)
            .join(Recording, Recording.id == Execution.recording_id)
            .where(Execution.command_id.in_(command_ids))
        )
        return {row.command_id: row.recording_id for row in rows}


def _summary(row: Any) -> RecordingSummary:
    recording = Recording(**row) if not isinstance(row, Recording) else row
    return RecordingSummary.model_validate(recording, from_attributes=True)
