"""Fixtures: a real server per database backend, and a fresh organisation per test."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from expacti_server.db.engine import Database
from tests.support.factories import OrgTokens, make_org
from tests.support.postgres import PostgresCluster
from tests.support.server import ServerProcess

BACKENDS = ["sqlite", "postgresql"]

# Short enough that tests of the resume window finish quickly; documented default is 30 s.
TEST_SETTINGS = {"EXPACTI_RESUME_WINDOW_SECONDS": "2", "EXPACTI_LOG_LEVEL": "warning"}


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("expacti")


class DatabaseFactory:
    """Makes fresh, empty databases of one backend."""

    def __init__(self, backend: str, workdir: Path, request: pytest.FixtureRequest) -> None:
        self.backend = backend
        self._workdir = workdir
        self._request = request

    def new_url(self) -> str:
        name = f"expacti_{secrets.token_hex(4)}"
        if self.backend == "sqlite":
            return f"sqlite+aiosqlite:///{self._workdir / name}.db"
        cluster: PostgresCluster = self._request.getfixturevalue("pg_cluster")
        return cluster.create_database(name)

    def server(self, **settings: str) -> ServerProcess:
        """A new server on a new database (not started)."""
        return ServerProcess(
            database_url=self.new_url(),
            data_dir=self._workdir / f"data-{secrets.token_hex(4)}",
            settings={**TEST_SETTINGS, **settings},
        )


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def databases(backend: str, workdir: Path, request: pytest.FixtureRequest) -> DatabaseFactory:
    return DatabaseFactory(backend, workdir, request)


@pytest.fixture(scope="session")
def server(databases: DatabaseFactory) -> Iterator[ServerProcess]:
    """One shared server per backend; tests isolate themselves by organisation."""
    process = databases.server().start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
async def server_db(server: ServerProcess) -> AsyncIterator[Database]:
    """A handle on the shared server's database, for factories and direct checks."""
    database = Database(server.database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def org(server_db: Database) -> OrgTokens:
    return await make_org(server_db)


@pytest.fixture
async def http(server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=30) as client:
        yield client
