"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from expacti_server.db.engine import Database
from expacti_server.db.migrate import upgrade_to_head
from expacti_server.db.tables import metadata
from tests.conftest import DatabaseFactory


async def test_migrations_match_the_models(databases: DatabaseFactory) -> None:
    database = Database(databases.new_url())
    try:
        await upgrade_to_head(database)
        await upgrade_to_head(database)  # a second run is a no-op

        def diff(connection: Connection) -> list[object]:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))

        async with database.engine.connect() as conn:
            differences = await conn.run_sync(diff)
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert differences == []
        assert {"commands", "audit_events", "whitelist_rules", "credentials", "orgs"} <= tables
    finally:
        await database.dispose()
