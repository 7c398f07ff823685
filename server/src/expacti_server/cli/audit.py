"""``expacti-server audit verify | export``: the hash chain checked, the log exported."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from expacti_server.audit.chain import ChainVerification, verify_chain
from expacti_server.audit.export import ExportFormat, export_records
from expacti_server.cli.common import err, load_settings, org_id_of, run_with_database
from expacti_server.db.engine import Database

audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)

OrgOption = Annotated[str, typer.Option(help="Organisation name or id.")]


@audit_app.command("verify")
def verify(
    org: OrgOption = "default",
    expect_head: Annotated[
        str | None,
        typer.Option(help="SEQ:HASH printed by an earlier run; it must still be in the chain."),
    ] = None,
) -> None:
    """Walk the chain and report the first broken link; exit 1 if there is one."""
    expected = _parse_head(expect_head) if expect_head else None

    async def work(database: Database) -> ChainVerification:
        org_id = await org_id_of(database, org)
        return await verify_chain(
            database,
            org_id=org_id,
            expected_head=expected,
            progress=lambda n: err.print(f"checked {n} records", highlight=False),
        )

    result = run_with_database(load_settings(), work)
    if result.first_break is not None:
        broken = result.first_break
        err.print(
            f"[red]BROKEN[/red] at record {broken.seq} ({broken.kind}): {broken.message}",
            highlight=False,
        )
        raise typer.Exit(1)
    typer.echo(f"ok: {result.records} records, head {result.head_seq}:{result.head_hash}")


@audit_app.command("export")
def export(
    org: OrgOption = "default",
    fmt: Annotated[ExportFormat, typer.Option("--format", help="jsonl or csv.")] = "jsonl",
    since: Annotated[str | None, typer.Option("--from", help="ISO time (inclusive).")] = None,
    until: Annotated[str | None, typer.Option("--to", help="ISO time (exclusive).")] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File (else stdout).")
    ] = None,
) -> None:
    """Write the audit records of a time range, with their seq and hashes."""
    start, end = _time(since, "--from"), _time(until, "--to")

    async def work(database: Database) -> None:
        org_id = await org_id_of(database, org)
        sink = output.open("wb") if output else sys.stdout.buffer
        try:
            async for chunk in export_records(
                database, org_id=org_id, fmt=fmt, since=start, until=end
            ):
                sink.write(chunk)
        finally:
            if output:
                sink.close()
            else:
                sink.flush()

    run_with_database(load_settings(), work)


def _parse_head(text: str) -> tuple[int, str]:
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        err.print("[red]--expect-head must be SEQ:HASH (a 64-hex hash)[/red]")
        raise typer.Exit(2)
    return int(seq), digest.lower()


def _time(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        err.print(f"[red]{option} must be an ISO date or time[/red]")
        raise typer.Exit(2) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
