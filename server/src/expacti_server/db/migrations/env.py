"""Alembic environment: runs on the connection handed over by ``upgrade_to_head``."""

from __future__ import annotations

from alembic import context

from expacti_server.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations through `expacti-server migrate`, which supplies a connection"
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
