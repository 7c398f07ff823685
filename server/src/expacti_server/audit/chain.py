"""The hash chain over each org's audit records: linking new records, and verifying the chain.

Every record carries ``seq`` (1, 2, 3 … per org), ``prev_hash`` (the hash of
the record before it, or ``GENESIS``) and ``hash``: SHA-256 over
``prev_hash``, a newline, and the record's canonical JSON (``canonical``).
Editing a record changes its hash; deleting, inserting or reordering records
breaks a ``seq`` or a ``prev_hash``. The last link is kept in
``audit_chain_heads``, updated in the same transaction as the records, so a
record cut off the end is noticed too. The head row is also the per-org lock
that keeps concurrent writers (PostgreSQL) from forking the chain.

Someone who can write to the database could recompute the whole chain; the
head hash that ``audit verify`` prints is meant to be kept elsewhere, and
checked later with ``expected_head`` (docs/AUDIT.md).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.audit.models import AuditChainHead, AuditEvent
from expacti_server.db.base import utcnow
from expacti_server.db.engine import Database

GENESIS: Final = "0" * 64
CHAIN_VERSION: Final = 1
NO_ORG: Final = ""  # the chain key of records that belong to no org (e.g. an unknown token)

_HASHED_FIELDS: Final = (
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
)


def chain_key(org_id: str | None) -> str:
    """The key of the chain an org's records belong to."""
    return org_id if org_id is not None else NO_ORG


def _plain(value: Any) -> Any:
    """JSON values with numbers in one spelling: an integral float is written as an int, so
    a value reads back the same whichever database and JSON library stored it."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(record: Mapping[str, Any]) -> bytes:
    """The bytes a record's hash covers: its fields as sorted, compact JSON, with a version."""
    body: dict[str, Any] = {"v": CHAIN_VERSION}
    for field in _HASHED_FIELDS:
        body[field] = record.get(field)
    body["at"] = _timestamp(record["at"])
    body["data"] = _plain(body["data"] or {})
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def link_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    """The hash of a record that follows ``prev_hash``."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(record)).hexdigest()


def _link(rows: Sequence[dict[str, Any]], seq: int, prev_hash: str) -> tuple[int, str]:
    """Give each row (in order) its seq, prev_hash and hash; the new head."""
    for row in rows:
        seq += 1
        row["seq"] = seq
        row["prev_hash"] = prev_hash
        prev_hash = row["hash"] = link_hash(prev_hash, row)
    return seq, prev_hash


def _by_chain(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    # Sorted keys: two transactions that both touch two orgs lock their heads in one order.
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(chain_key(row.get("org_id")), []).append(row)
    return dict(sorted(groups.items()))


async def append(conn: AsyncConnection, rows: Sequence[dict[str, Any]]) -> None:
    """Link and insert audit rows inside the caller's transaction (which must commit them)."""
    if not rows:
        return
    for key, group in _by_chain(rows).items():
        seq, prev_hash = await _lock_head(conn, key)
        head_seq, head_hash = _link(group, seq, prev_hash)
        await conn.execute(insert(AuditEvent), group)
        await conn.execute(
            update(AuditChainHead)
            .where(AuditChainHead.chain_key == key)
            .values(seq=head_seq, hash=head_hash, updated_at=utcnow())
        )


async def _lock_head(conn: AsyncConnection, key: str) -> tuple[int, str]:
    """The chain's head, locked until the transaction ends (created at GENESIS if new)."""
    query = select(AuditChainHead.seq, AuditChainHead.hash).where(AuditChainHead.chain_key == key)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = (await conn.execute(query)).first()
    if row is not None:
        return int(row.seq), str(row.hash)
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        await conn.execute(
            pg_insert(AuditChainHead)
            .values(chain_key=key, seq=0, hash=GENESIS, updated_at=utcnow())
            .on_conflict_do_nothing()
        )
        row = (await conn.execute(query)).one()
        return int(row.seq), str(row.hash)
    await conn.execute(
        insert(AuditChainHead).values(chain_key=key, seq=0, hash=GENESIS, updated_at=utcnow())
    )
    return 0, GENESIS


_SQLITE_HEAD = "SELECT seq, hash FROM audit_chain_heads WHERE chain_key = ?"
_SQLITE_NEW_HEAD = (
    "INSERT INTO audit_chain_heads (chain_key, seq, hash, updated_at) VALUES (?, ?, ?, ?)"
)
_SQLITE_SAVE_HEAD = (
    "UPDATE audit_chain_heads SET seq = ?, hash = ?, updated_at = ? WHERE chain_key = ?"
)


def link_sqlite(
    conn: sqlite3.Connection, rows: Sequence[dict[str, Any]], encode_time: Callable[[datetime], Any]
) -> None:
    """``append``'s linking for the hot path's plain sqlite3 transaction; the caller inserts
    the rows (now carrying seq and hashes) in the same transaction."""
    for key, group in _by_chain(rows).items():
        head = conn.execute(_SQLITE_HEAD, (key,)).fetchone()
        stamp = encode_time(utcnow())
        if head is None:
            conn.execute(_SQLITE_NEW_HEAD, (key, 0, GENESIS, stamp))
            head = (0, GENESIS)
        seq, last = _link(group, int(head[0]), str(head[1]))
        conn.execute(_SQLITE_SAVE_HEAD, (seq, last, stamp, key))


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first place the chain does not hold."""

    seq: int
    record_id: int | None
    kind: str  # edited | missing | out_of_order | broken_link | truncated
    message: str


@dataclass(frozen=True, slots=True)
class ChainVerification:
    """What ``verify_chain`` found."""

    ok: bool
    records: int
    head_seq: int
    head_hash: str | None
    first_break: ChainBreak | None


_COLUMNS = list(AuditEvent.__table__.columns)


def _org_filter(org_id: str | None) -> Any:
    return AuditEvent.org_id.is_(None) if org_id is None else AuditEvent.org_id == org_id


async def verify_chain(
    database: Database,
    *,
    org_id: str | None,
    progress: Callable[[int], None] | None = None,
    batch: int = 2000,
    expected_head: tuple[int, str] | None = None,
) -> ChainVerification:
    """Walk an org's chain in seq order, a batch at a time (memory stays bounded), and report
    the first broken link. ``progress`` is called with the records checked after each batch.
    ``expected_head`` (seq, hash), kept from an earlier run, must still be in the chain."""
    walk = _Walk(expected_head)
    async with database.read() as conn:
        await _find_unchained(conn, walk, org_id)
        # New records may commit while we walk: read the head after the walk, and walk on
        # until the records reach it (records beyond a head read later are not legitimate).
        head: tuple[int, str | None] | None = None
        while True:
            walked = await _walk_batches(conn, walk, org_id, batch, progress)
            if head is not None and not walked:
                break  # the head promised records that are not there
            await conn.rollback()  # a fresh snapshot for the head (and any records after it)
            head = await _head(conn, org_id)
            if walk.first_break is not None or head[0] <= walk.seq:
                break
        walk.finish(*head)
    return walk.result(*head)


async def _find_unchained(conn: AsyncConnection, walk: _Walk, org_id: str | None) -> None:
    unchained = await conn.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(_org_filter(org_id), AuditEvent.seq.is_(None))
    )
    if unchained:
        first = await conn.scalar(
            select(func.min(AuditEvent.id)).where(_org_filter(org_id), AuditEvent.seq.is_(None))
        )
        walk.fail(0, first, "broken_link", f"{unchained} record(s) are outside the chain")


async def _walk_batches(
    conn: AsyncConnection,
    walk: _Walk,
    org_id: str | None,
    batch: int,
    progress: Callable[[int], None] | None,
) -> int:
    """Follow the chain from where the walk is, a batch at a time; the records read."""
    read = 0
    while walk.first_break is None:
        rows = (
            await conn.execute(
                select(*_COLUMNS)
                .where(_org_filter(org_id), AuditEvent.seq > walk.seq)
                .order_by(AuditEvent.seq, AuditEvent.id)
                .limit(batch)
            )
        ).all()
        if not rows:
            break
        read += len(rows)
        for row in rows:
            if not walk.step(row._mapping):
                break
        if progress is not None:
            progress(walk.records)
    return read


async def _head(conn: AsyncConnection, org_id: str | None) -> tuple[int, str | None]:
    row = (
        await conn.execute(
            select(AuditChainHead.seq, AuditChainHead.hash).where(
                AuditChainHead.chain_key == chain_key(org_id)
            )
        )
    ).first()
    return (int(row.seq), str(row.hash)) if row is not None else (0, None)


class _Walk:
    """The state of one verification: where the chain has been followed to."""

    def __init__(self, expected_head: tuple[int, str] | None) -> None:
        self.seq = 0
        self.hash = GENESIS
        self.records = 0
        self.first_break: ChainBreak | None = None
        self._expected = expected_head
        self._expected_seen = expected_head is None

    def fail(self, seq: int, record_id: int | None, kind: str, message: str) -> None:
        if self.first_break is None:
            self.first_break = ChainBreak(seq=seq, record_id=record_id, kind=kind, message=message)

    def step(self, row: Mapping[Any, Any]) -> bool:
        """Check one record against the chain so far; False at the first broken link."""
        seq, record_id = int(row["seq"]), int(row["id"])
        expected = self.seq + 1
        if seq > expected:
            missing = (
                f"record {expected}" if seq == expected + 1 else f"records {expected} to {seq - 1}"
            )
            self.fail(expected, record_id, "missing", f"{missing} of the chain are missing")
        elif seq < expected:
            self.fail(seq, record_id, "out_of_order", f"record {seq} appears more than once")
        elif row["prev_hash"] != self.hash:
            self.fail(
                seq,
                record_id,
                "broken_link",
                f"record {seq} does not follow record {seq - 1} (records inserted or reordered)",
            )
        elif link_hash(self.hash, row) != row["hash"]:
            self.fail(seq, record_id, "edited", f"record {seq} was changed after it was written")
        if self.first_break is not None:
            return False
        self.seq, self.hash = seq, str(row["hash"])
        self.records += 1
        if self._expected is not None and seq == self._expected[0]:
            self._expected_seen = self.hash == self._expected[1]
            if not self._expected_seen:
                self.fail(seq, record_id, "edited", f"record {seq} is not the head kept earlier")
        return True

    def finish(self, head_seq: int, head_hash: str | None) -> None:
        if self.first_break is not None:
            return
        if head_seq > self.seq:
            self.fail(
                self.seq + 1,
                None,
                "truncated",
                f"the chain ends at record {self.seq} but its head says {head_seq}: "
                "records were removed from the end",
            )
        elif self.seq > head_seq or (self.seq and head_hash != self.hash):
            self.fail(
                head_seq + 1 if self.seq > head_seq else self.seq,
                None,
                "broken_link",
                "the last records do not match the chain head: records were added outside "
                "the audit log's writer",
            )
        elif not self._expected_seen and self._expected is not None:
            self.fail(
                self._expected[0],
                None,
                "truncated",
                f"the chain no longer reaches record {self._expected[0]} kept earlier",
            )

    def result(self, head_seq: int, head_hash: str | None) -> ChainVerification:
        return ChainVerification(
            ok=self.first_break is None,
            records=self.records,
            head_seq=head_seq,
            head_hash=head_hash,
            first_break=self.first_break,
        )
