"""The expacti-server command line, run as a user would."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.server import ServerProcess


def _env(**settings: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("EXPACTI_")}
    return {**inherited, "EXPACTI_CONFIG": "/nonexistent", **settings}


def cli(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "expacti_server", *args],
        env=_env(EXPACTI_DATABASE_URL=database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_tokens_and_api_keys_created_by_the_cli_work(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    assert cli("migrate", database_url=url).returncode == 0
    agent = cli(
        "token", "create", "--role", "agent", "--name", "ci", "--org", "acme", database_url=url
    )
    reviewer = cli(
        "token",
        "create",
        "--role",
        "reviewer",
        "--name",
        "bob",
        "--org",
        "acme",
        "--reviewer-role",
        "senior",
        database_url=url,
    )
    key = cli("apikey", "create", "--reviewer", "bob", "--org", "acme", database_url=url)
    for result in (agent, reviewer, key):
        assert result.returncode == 0, result.stderr
    api_key = key.stdout.strip()
    assert re.fullmatch(r"expacti_[0-9a-f]{32}", api_key)

    server = ServerProcess(database_url=url, data_dir=tmp_path / "data").start()
    try:
        me = httpx.get(
            f"{server.http_url}/api/v1/me", headers={"Authorization": f"Bearer {api_key}"}
        )
        assert (
            me.json()["role"],
            me.json()["reviewer_role"],
            me.json()["name"],
            me.json()["org"]["name"],
        ) == ("reviewer", "senior", "bob", "acme")
        credential_id = re.search(r"(cred_[0-9a-f]+)", key.stderr)
        assert credential_id is not None
        revoked = cli("token", "revoke", credential_id.group(1), database_url=url)
        assert revoked.returncode == 0
        again = httpx.get(
            f"{server.http_url}/api/v1/me", headers={"Authorization": f"Bearer {api_key}"}
        )
        assert again.status_code == 401
    finally:
        server.stop()


def test_secrets_are_stored_only_as_hashes(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hash.db'}"
    created = cli("token", "create", "--role", "agent", "--name", "x", database_url=url)
    secret = created.stdout.strip()
    assert secret.startswith("expacti_agent_")
    assert secret.encode() not in (tmp_path / "hash.db").read_bytes()


def test_the_server_refuses_demo_tokens_outside_eval_mode(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"
    evaluated = ServerProcess(
        database_url=url, data_dir=tmp_path / "d1", settings={"EXPACTI_EVAL_MODE": "true"}
    ).start()
    demo = httpx.get(
        f"{evaluated.http_url}/api/v1/me", headers={"Authorization": "Bearer demo-reviewer-token"}
    )
    assert demo.json()["name"] == "demo-reviewer"
    evaluated.stop()
    production = subprocess.run(
        [sys.executable, "-m", "expacti_server", "serve"],
        env=_env(EXPACTI_DATABASE_URL=url, EXPACTI_PORT="0"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert production.returncode != 0
    assert "demo tokens" in production.stdout + production.stderr


def test_bad_cli_input_is_a_clear_error(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bad.db'}"
    result = cli("token", "create", "--role", "admin", "--name", "x", database_url=url)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    agent_role = cli(
        "token",
        "create",
        "--role",
        "agent",
        "--name",
        "x",
        "--reviewer-role",
        "admin",
        database_url=url,
    )
    assert agent_role.returncode == 2
    assert "--reviewer-role is for reviewer tokens" in agent_role.stderr
    unknown_role = cli(
        "token",
        "create",
        "--role",
        "reviewer",
        "--name",
        "x",
        "--reviewer-role",
        "owner",
        database_url=url,
    )
    assert unknown_role.returncode == 2
    bad_url = cli("migrate", database_url="mysql://nope")
    assert bad_url.returncode == 2
    assert "database_url" in bad_url.stderr
