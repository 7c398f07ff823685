"""``expacti-server recording list | export | sweep``."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from expacti_server.cli.common import err, load_settings, org_id_of, run_with_database
from expacti_server.db.engine import Database
from expacti_server.identity.orgs import OrgService
from expacti_server.recording.queries import list_recordings, recording_file
from expacti_server.recording.retention import SweepResult, sweep
from expacti_server.recording.schemas import RecordingList
from expacti_server.recording.service import RecordingService
from expacti_server.recording.store import FileRecordingStore
from expacti_server.settings import Settings

recording_app = typer.Typer(help="Terminal recordings (asciicast v2).", no_args_is_help=True)

OrgOption = Annotated[str, typer.Option(help="Organisation name or id.")]


def _store(settings: Settings) -> FileRecordingStore:
    return FileRecordingStore(settings.data_dir / "recordings")


@recording_app.command("list")
def list_command(org: OrgOption = "default", limit: int = 50) -> None:
    """The newest recordings."""

    async def work(database: Database) -> RecordingList:
        return await list_recordings(database, org_id=await org_id_of(database, org), limit=limit)

    page = run_with_database(load_settings(), work)
    table = Table("id", "agent", "title", "started", "status", "bytes")
    for item in page.items:
        table.add_row(
            item.id,
            item.agent_name,
            item.title,
            item.started_at.isoformat(timespec="seconds"),
            item.status + (" (truncated)" if item.truncated else ""),
            str(item.bytes),
        )
    Console().print(table)


@recording_app.command("export")
def export(
    recording_id: Annotated[str, typer.Argument(help="The recording (rec_…).")],
    org: OrgOption = "default",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File (default <id>.cast; - for stdout).")
    ] = None,
) -> None:
    """Write a recording's .cast file (asciicast v2; play it with `asciinema play`)."""
    settings = load_settings()
    store = _store(settings)

    async def work(database: Database) -> Path | None:
        key, _ = await recording_file(
            database, org_id=await org_id_of(database, org), recording_id=recording_id
        )
        target = None if output == Path("-") else (output or Path(f"{recording_id}.cast"))
        sink = target.open("wb") if target else sys.stdout.buffer
        try:
            async for chunk in store.read(key):
                sink.write(chunk)
        finally:
            if target:
                sink.close()
            else:
                sink.flush()
        return target

    written = run_with_database(settings, work)
    if written is not None:
        err.print(f"wrote {written}", highlight=False)


@recording_app.command("sweep")
def sweep_command(
    as_of: Annotated[
        str | None, typer.Option(help="Apply retention as if it were this ISO time (UTC).")
    ] = None,
) -> None:
    """Delete finished recordings past their organisation's retention."""
    settings = load_settings()
    now = None
    if as_of is not None:
        moment = datetime.fromisoformat(as_of)
        now = moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    async def work(database: Database) -> SweepResult:
        service = RecordingService(
            database, _store(settings), OrgService(database), max_bytes=settings.recording_max_bytes
        )
        return await sweep(database, service, idle_seconds=None, now=now)

    result = run_with_database(settings, work)
    typer.echo(f"deleted {len(result.deleted)} recording(s)")
    for recording_id in result.deleted:
        typer.echo(recording_id)
