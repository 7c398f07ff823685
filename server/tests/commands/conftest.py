"""An in-process server core on a fresh SQLite file, for races that need exact timing.

These tests hold SQLite's write lock from a second connection to stop the
server's writes at a chosen point, which only SQLite allows; the same logic
runs on PostgreSQL through the end-to-end suite.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest

from expacti_server.app import start
from expacti_server.identity.principal import Principal
from expacti_server.identity.secrets import CredentialKind
from expacti_server.identity.service import issue_credential
from expacti_server.services import Services
from expacti_server.settings import Settings


@asynccontextmanager
async def running_core(path: Path, **settings: Any) -> AsyncIterator[Services]:
    """The server's services, started on a new SQLite file, without the HTTP layer."""
    services = Services.build(
        Settings(
            database_url=f"sqlite+aiosqlite:///{path / 'core.db'}",
            resume_window_seconds=0.5,
            **settings,
        )
    )
    await start(services)
    try:
        yield services
    finally:
        await services.commands.scheduler.aclose()
        await services.database.dispose()


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Services]:
    async with running_core(tmp_path) as services:
        yield services


async def principals(services: Services) -> tuple[Principal, Principal]:
    """An agent and a reviewer of one new org."""
    async with services.database.write() as conn:
        agent = await issue_credential(
            conn, org_name="core", kind=CredentialKind.AGENT_TOKEN, principal_name="bot"
        )
        reviewer = await issue_credential(
            conn, org_name="core", kind=CredentialKind.REVIEWER_TOKEN, principal_name="ann"
        )
    authenticate = services.authenticator.authenticate
    return (
        await authenticate(agent.secret, via="test", remote=None),
        await authenticate(reviewer.secret, via="test", remote=None),
    )


async def another_agent(services: Services, name: str) -> Principal:
    """A second agent in the org made by ``principals``."""
    async with services.database.write() as conn:
        issued = await issue_credential(
            conn, org_name="core", kind=CredentialKind.AGENT_TOKEN, principal_name=name
        )
    return await services.authenticator.authenticate(issued.secret, via="test", remote=None)


@contextmanager
def write_lock(services: Services) -> Iterator[sqlite3.Connection]:
    """Hold SQLite's write lock from outside the server until the block ends (then commit)."""
    path = services.database.engine.url.database
    assert path is not None
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    finally:
        conn.close()
