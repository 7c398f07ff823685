"""Hot-path SQLite writes as plain-function transactions.

Going through SQLAlchemy's async layer costs one thread hop per statement
(aiosqlite) plus the Core machinery: over a millisecond for a three-row
transaction. Even one hop per transaction to a writer thread costs more
(measured: ~180 µs of GIL hand-over) than the SQLite work itself (~120 µs in
WAL mode with synchronous=NORMAL, no fsync). So a transaction runs inline on
the event loop's thread, on a connection that never waits for a lock
(busy_timeout=0) and never checkpoints during a commit; if another process
holds the write lock, the transaction goes to a writer thread that may wait.
The thread also runs the WAL checkpoints, off the loop.

Values are encoded with the same SQLAlchemy type processors the rest of the
code uses, so rows written here read back exactly like rows written through
SQLAlchemy.
"""

from __future__ import annotations

import asyncio
import functools
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import msgspec
from sqlalchemy import JSON, Column, Table
from sqlalchemy.dialects import sqlite as sqlite_dialect

from expacti_server.db.base import UTCDateTime

T = TypeVar("T")
Job = Callable[[sqlite3.Connection], T]

_DIALECT = sqlite_dialect.dialect()
_JSON = msgspec.json.Encoder()


def _encode_json(value: Any) -> str | None:
    return None if value is None else _JSON.encode(value).decode()


@functools.lru_cache(maxsize=64)
def encode_datetime(value: datetime | None) -> str | None:
    # SQLAlchemy's SQLite storage format, always with microseconds, in UTC.
    # Cached: one submission stores the same instant in several columns.
    if value is None:
        return None
    utc = value.astimezone(UTC)
    return f"{utc:%Y-%m-%d %H:%M:%S}.{utc.microsecond:06d}"


def _processor(column: Column[Any]) -> Callable[[Any], Any] | None:
    """Fast encoders for the hot types; SQLAlchemy's own processor for the rest."""
    if isinstance(column.type, JSON):
        return _encode_json
    if isinstance(column.type, UTCDateTime):
        return encode_datetime
    processor: Callable[[Any], Any] | None = column.type.dialect_impl(_DIALECT).bind_processor(
        _DIALECT
    )
    return processor


class RowEncoder:
    """Turns a dict of Python values into SQLite parameters for one table's INSERT."""

    def __init__(self, table: Table) -> None:
        # Integer primary keys marked autoincrement are left to SQLite's rowid.
        columns = [c for c in table.columns if not (c.primary_key and c.autoincrement is True)]
        names = ", ".join(c.key for c in columns)
        params = ", ".join(":" + c.key for c in columns)
        # Table and column names come from our own models, never from input.
        self.sql = f"INSERT INTO {table.name} ({names}) VALUES ({params})"  # noqa: S608
        self._processors = [(c.key, _processor(c)) for c in columns]

    def encode(self, values: dict[str, Any]) -> dict[str, Any]:
        """Parameters for ``self.sql``; missing keys are NULL."""
        return {
            key: (process(values.get(key)) if process else values.get(key))
            for key, process in self._processors
        }

    def insert(self, conn: sqlite3.Connection, rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows inside the caller's transaction."""
        if len(rows) == 1:
            conn.execute(self.sql, self.encode(rows[0]))  # cheaper than executemany
        else:
            conn.executemany(self.sql, [self.encode(row) for row in rows])


CHECKPOINT_EVERY_COMMITS = 1000


class SqliteWriter:
    """Runs write transactions: inline when the lock is free, else on a writer thread.

    Callers serialise their calls (``Database.run_sqlite`` holds the process's
    write lock), so the inline connection is never used concurrently.
    """

    def __init__(self, path: str, *, synchronous: str = "NORMAL") -> None:
        self._path = path
        self._synchronous = synchronous
        self._inline: sqlite3.Connection | None = None
        self._commits = 0
        self._jobs: queue.SimpleQueue[tuple[Job[Any], asyncio.Future[Any]] | None] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None

    async def run(self, job: Job[T]) -> T:
        """Run ``job(conn)`` in BEGIN IMMEDIATE … COMMIT; an error rolls back and re-raises."""
        conn = self._inline_connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return await self._on_thread(job)  # another process writes: wait off the loop
        try:
            result = job(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY_COMMITS == 0:
            self._jobs.put((_checkpoint, asyncio.get_running_loop().create_future()))
            self._ensure_thread()
        return result

    def close(self) -> None:
        """Finish queued jobs, stop the thread, close the inline connection."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout=30)
            self._thread = None
        if self._inline is not None:
            self._inline.close()
            self._inline = None

    def _inline_connection(self) -> sqlite3.Connection:
        if self._inline is None:
            conn = _connect(self._path, self._synchronous, busy_timeout_ms=0)
            conn.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run on the thread
            self._inline = conn
        return self._inline

    async def _on_thread(self, job: Job[T]) -> T:
        self._ensure_thread()
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._jobs.put((job, future))
        return await future

    def _ensure_thread(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="sqlite-writer", daemon=True)
            self._thread.start()

    def _serve(self) -> None:
        conn = _connect(self._path, self._synchronous, busy_timeout_ms=30_000)
        try:
            while (item := self._jobs.get()) is not None:
                job, future = item
                self._run_one(conn, job, future)
        finally:
            conn.close()

    @staticmethod
    def _run_one(conn: sqlite3.Connection, job: Job[Any], future: asyncio.Future[Any]) -> None:
        try:
            conn.execute("BEGIN IMMEDIATE")
            result = job(conn)
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            _settle(future, error=exc)
        else:
            _settle(future, result=result)


def _connect(path: str, synchronous: str, *, busy_timeout_ms: int) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    return conn


def _checkpoint(conn: sqlite3.Connection) -> None:
    conn.execute("COMMIT")  # a checkpoint cannot run inside the job's transaction
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    conn.execute("BEGIN")


def _settle(
    future: asyncio.Future[Any], *, result: Any = None, error: BaseException | None = None
) -> None:
    def apply() -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    future.get_loop().call_soon_threadsafe(apply)
