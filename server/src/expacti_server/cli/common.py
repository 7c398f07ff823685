"""What every command-line group shares: settings, a database for one command, error output."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy import or_, select

from expacti_server.db.engine import Database
from expacti_server.db.migrate import upgrade_to_head
from expacti_server.errors import ExpactiError, NotFound
from expacti_server.identity.models import Org
from expacti_server.settings import Settings

T = TypeVar("T")

err = Console(stderr=True)


def load_settings(**overrides: object) -> Settings:
    """The settings, or exit 2 with what is wrong with them."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err.print(f"[red]invalid configuration[/red]\n{exc}")
        raise typer.Exit(2) from None


def run_with_database(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Migrate, run ``work``, close; a typed error exits 1 with its message."""

    async def main() -> T:
        database = Database(settings.effective_database_url)
        try:
            await upgrade_to_head(database)
            return await work(database)
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except ExpactiError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from None


async def org_id_of(database: Database, org: str) -> str:
    """The id of the organisation named (or with the id) ``org``."""
    async with database.read() as conn:
        found = await conn.scalar(select(Org.id).where(or_(Org.id == org, Org.name == org)))
    if found is None:
        raise NotFound(f"no organisation {org!r}")
    return str(found)
