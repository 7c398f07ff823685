"""The audit log's hash chain: every kind of tampering is found, on both databases."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text

from expacti_server.audit import service as audit
from expacti_server.audit.actor import Actor
from expacti_server.audit.chain import GENESIS, canonical, link_hash, verify_chain
from expacti_server.db.engine import Database
from expacti_server.db.migrate import upgrade_to_head
from expacti_server.identity.service import ensure_org
from tests.conftest import DatabaseFactory

ALICE = Actor(type="reviewer", id="rev_1", name="alice")
RECORDS = 12


@pytest.fixture
async def chained(databases: DatabaseFactory) -> AsyncIterator[tuple[Database, str]]:
    """A database whose org has RECORDS chained records (and another org beside it)."""
    database = Database(databases.new_url())
    await upgrade_to_head(database)
    async with database.write() as conn:
        org_id = await ensure_org(conn, name="acme")
        other = await ensure_org(conn, name="other")
    for i in range(RECORDS):
        async with database.write() as conn:
            await audit.record(
                conn,
                org_id=org_id,
                actor=ALICE,
                action="whitelist.created",
                rule_id=f"rul_{i}",
                data={"pattern": f"ls {i}", "latency_ms": 12.0 + i / 3, "n": i},
            )
            await audit.record(conn, org_id=other, actor=ALICE, action="org.policy_changed")
    yield database, org_id
    await database.dispose()


async def tamper(database: Database, *statements: str, **params: Any) -> None:
    """Change the table as someone with write access to the database would: triggers off."""
    async with database.engine.begin() as conn:
        if database.is_sqlite:
            await conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_update"))
            await conn.execute(text("DROP TRIGGER IF EXISTS audit_events_no_delete"))
        else:
            await conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        for statement in statements:
            await conn.execute(text(statement), params)


async def test_an_untouched_chain_verifies(chained: tuple[Database, str]) -> None:
    database, org_id = chained
    seen: list[int] = []
    result = await verify_chain(database, org_id=org_id, progress=seen.append, batch=5)
    # The org's creation is the first record of its chain.
    assert (result.ok, result.records, result.head_seq) == (True, RECORDS + 1, RECORDS + 1)
    assert result.first_break is None
    assert result.head_hash is not None
    assert len(result.head_hash) == 64
    assert seen == [5, 10, 13]  # progress after each batch: memory stays bounded


async def test_an_edited_record_is_found(chained: tuple[Database, str]) -> None:
    database, org_id = chained
    await tamper(
        database,
        "UPDATE audit_events SET actor_name = 'mallory' WHERE org_id = :org AND seq = 5",
        org=org_id,
    )
    result = await verify_chain(database, org_id=org_id)
    assert not result.ok
    assert result.first_break is not None
    assert (result.first_break.seq, result.first_break.kind) == (5, "edited")
    assert result.records == 4


async def test_a_deleted_record_is_found(chained: tuple[Database, str]) -> None:
    database, org_id = chained
    await tamper(database, "DELETE FROM audit_events WHERE org_id = :org AND seq = 7", org=org_id)
    result = await verify_chain(database, org_id=org_id)
    assert result.first_break is not None
    assert (result.first_break.seq, result.first_break.kind) == (7, "missing")


async def test_records_cut_off_the_end_are_found(chained: tuple[Database, str]) -> None:
    database, org_id = chained
    await tamper(database, "DELETE FROM audit_events WHERE org_id = :org AND seq > 10", org=org_id)
    result = await verify_chain(database, org_id=org_id)
    assert result.first_break is not None
    assert (result.first_break.seq, result.first_break.kind) == (11, "truncated")


async def test_an_inserted_record_is_found(chained: tuple[Database, str]) -> None:
    database, org_id = chained
    # A forged record slotted in at 6, with a correct-looking link to 5, the rest renumbered.
    async with database.read() as conn:
        five = (
            await conn.execute(
                text("SELECT hash FROM audit_events WHERE org_id = :org AND seq = 5"),
                {"org": org_id},
            )
        ).scalar_one()
    forged = {
        "org_id": org_id,
        "seq": 6,
        "at": dt.datetime.now(dt.UTC),
        "actor_type": "reviewer",
        "actor_id": "rev_1",
        "actor_name": "alice",
        "action": "whitelist.created",
        "command_id": None,
        "rule_id": "rul_forged",
        "data": {"pattern": "*"},
    }
    digest = link_hash(five, forged)
    await tamper(
        database,
        "UPDATE audit_events SET seq = seq + 1000 WHERE org_id = :org AND seq >= 6",
        "UPDATE audit_events SET seq = seq - 999 WHERE org_id = :org AND seq >= 1006",
        "INSERT INTO audit_events (at, org_id, actor_type, actor_id, actor_name, action, "
        "command_id, rule_id, data, seq, prev_hash, hash) VALUES (:at, :org, 'reviewer', "
        "'rev_1', 'alice', 'whitelist.created', NULL, 'rul_forged', :data, 6, :prev, :hash)",
        org=org_id,
        at=forged["at"],
        data='{"pattern": "*"}',
        prev=five,
        hash=digest,
    )
    result = await verify_chain(database, org_id=org_id)
    assert result.first_break is not None
    # The forgery itself links to 5; the record after it no longer links to its predecessor.
    assert (result.first_break.seq, result.first_break.kind) == (7, "broken_link")


async def test_reordered_records_are_found(chained: tuple[Database, str]) -> None:
    database, org_id = chained
    await tamper(
        database,
        "UPDATE audit_events SET seq = -1 WHERE org_id = :org AND seq = 8",
        "UPDATE audit_events SET seq = 8 WHERE org_id = :org AND seq = 9",
        "UPDATE audit_events SET seq = 9 WHERE org_id = :org AND seq = -1",
        org=org_id,
    )
    result = await verify_chain(database, org_id=org_id)
    assert result.first_break is not None
    assert (result.first_break.seq, result.first_break.kind) == (8, "broken_link")


async def test_a_chain_rewritten_from_scratch_fails_against_a_kept_head(
    chained: tuple[Database, str],
) -> None:
    database, org_id = chained
    kept = await verify_chain(database, org_id=org_id)
    assert kept.head_hash is not None
    await tamper(
        database, "UPDATE audit_events SET data = '{}' WHERE org_id = :org AND seq = 3", org=org_id
    )
    # Recompute every hash after the edit, and the head, as a thorough forger would.
    async with database.read() as conn:
        rows = (
            (
                await conn.execute(
                    text("SELECT * FROM audit_events WHERE org_id = :org ORDER BY seq"),
                    {"org": org_id},
                )
            )
            .mappings()
            .all()
        )
    prev, statements, params = GENESIS, [], {"org": org_id}
    for row in rows:
        record = dict(row)
        if isinstance(record["data"], str):
            record["data"] = json.loads(record["data"])
        if isinstance(record["at"], str):
            record["at"] = dt.datetime.fromisoformat(record["at"]).replace(tzinfo=dt.UTC)
        digest = link_hash(prev, record)
        statements.append(
            f"UPDATE audit_events SET prev_hash = '{prev}', hash = '{digest}' "
            f"WHERE org_id = :org AND seq = {record['seq']}"
        )
        prev = digest
    statements.append(f"UPDATE audit_chain_heads SET hash = '{prev}' WHERE chain_key = :org")
    await tamper(database, *statements, **params)
    assert (await verify_chain(database, org_id=org_id)).ok  # self-consistent again …
    result = await verify_chain(
        database, org_id=org_id, expected_head=(kept.head_seq, kept.head_hash)
    )
    assert not result.ok  # … but not the chain whose head was kept elsewhere
    assert result.first_break is not None
    assert result.first_break.seq == kept.head_seq


def test_the_hash_covers_every_field_in_one_spelling() -> None:
    base = {
        "org_id": "org_1",
        "seq": 1,
        "at": dt.datetime(2026, 11, 21, 12, 0, 0, 123456, tzinfo=dt.UTC),
        "actor_type": "agent",
        "actor_id": "agt_1",
        "actor_name": "ci",
        "action": "command.submitted",
        "command_id": "cmd_1",
        "rule_id": None,
        "data": {"b": 1.0, "a": [2, 3.5]},
    }
    assert canonical(base) == canonical({**base, "data": {"a": [2, 3.5], "b": 1}})
    for field, value in [("actor_name", "cj"), ("seq", 2), ("data", {"b": 2}), ("rule_id", "r")]:
        assert link_hash(GENESIS, base) != link_hash(GENESIS, {**base, field: value})
    assert link_hash(GENESIS, base) != link_hash("1" * 64, base)


async def test_the_cli_exits_non_zero_on_a_broken_chain(chained: tuple[Database, str]) -> None:
    database, org_id = chained
    url = database.url

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EXPACTI_")}
        env |= {"EXPACTI_DATABASE_URL": url, "EXPACTI_CONFIG": "/nonexistent"}
        return subprocess.run(
            [sys.executable, "-m", "expacti_server", "audit", "verify", "--org", "acme", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    good = cli()
    assert good.returncode == 0, good.stderr
    assert f"ok: {RECORDS + 1} records" in good.stdout
    assert "checked" in good.stderr  # progress
    head = good.stdout.strip().rsplit(" ", 1)[-1]
    assert cli("--expect-head", head).returncode == 0
    await tamper(database, "DELETE FROM audit_events WHERE org_id = :org AND seq = 2", org=org_id)
    broken = cli()
    assert broken.returncode == 1
    assert "BROKEN at record 2 (missing)" in broken.stderr
