"""One database handle for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from expacti_server.db.sqlite_writer import Job, SqliteWriter
from expacti_server.errors import ServiceUnavailable

T = TypeVar("T")


class Database:
    """The engine plus the rules for writing to it.

    SQLite allows one writer at a time; a process-wide lock serialises our
    writers so they queue in memory instead of failing with "database is
    locked". PostgreSQL needs no such lock.
    """

    def __init__(self, url: str, *, sqlite_synchronous: str = "NORMAL") -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self.engine: AsyncEngine = _create_engine(url, sqlite_synchronous=sqlite_synchronous)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self.sqlite_writer = _sqlite_writer(url, sqlite_synchronous) if self.is_sqlite else None

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that commits on success and rolls back on any error."""
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._write_lock, self.engine.begin() as conn:
            yield conn

    async def run_sqlite(self, job: Job[T]) -> T:
        """Run a plain-function transaction on the SQLite writer thread (hot path only).

        It takes the same lock as ``write()``, so the two never contend for SQLite's lock.
        """
        if self._write_lock is None or self.sqlite_writer is None:
            raise RuntimeError("run_sqlite needs a file-backed SQLite database")
        async with self._write_lock:
            return await self.sqlite_writer.run(job)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads (SQLite WAL readers never wait for the writer)."""
        async with self.engine.connect() as conn:
            yield conn

    async def ping(self) -> None:
        """Raise ServiceUnavailable unless the database answers a trivial query."""
        try:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
        except Exception as exc:
            raise ServiceUnavailable("database unreachable") from exc

    async def dispose(self) -> None:
        """Close every pooled connection and stop the writer thread."""
        if self.sqlite_writer is not None:
            self.sqlite_writer.close()
        await self.engine.dispose()


def _sqlite_writer(url: str, synchronous: str) -> SqliteWriter | None:
    database = make_url(url).database
    if not database or database == ":memory:":
        return None  # an in-memory database is private to one connection
    return SqliteWriter(database, synchronous=synchronous)


def _create_engine(url: str, *, sqlite_synchronous: str) -> AsyncEngine:
    parsed = make_url(url)
    if not url.startswith("sqlite"):
        return create_async_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        # WAL lets readers run beside the writer; NORMAL keeps every committed
        # transaction across a process crash (SIGKILL) without an fsync per commit.
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={sqlite_synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine
