"""The Python SDK and the `expacti run` command against the real server."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from expacti import (
    AsyncExpactiClient,
    CommandDeniedException,
    CommandTimeoutException,
    ExpactiAuthenticationError,
)

from expacti_server.db.engine import Database
from tests.conftest import DatabaseFactory
from tests.e2e.test_lifecycle import pending_id
from tests.support.factories import OrgTokens, make_org
from tests.support.server import ServerProcess

QUICKSTART = """
from expacti import ExpactiClient
c = ExpactiClient(url='$EXPACTI_URL', token='$EXPACTI_TOKEN')
d = c.run('echo hello from agent')
print('approved:', d.approved)
"""


async def test_the_readme_quickstart_prints_approved_after_approval(
    databases: DatabaseFactory,
) -> None:
    server = databases.server(EXPACTI_EVAL_MODE="true").start()
    try:
        env = {
            **os.environ,
            "EXPACTI_TOKEN": "demo-shell-token",
            "EXPACTI_URL": f"ws://localhost:{server.port}/shell/ws",
        }
        # Exactly as the README has it: the shell expands the two variables.
        agent = subprocess.Popen(
            ["bash", "-c", f'{sys.executable} -c "{QUICKSTART}"'],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        demo = OrgTokens("demo", "demo-shell-token", "demo-reviewer-token", "")
        async with httpx.AsyncClient(base_url=server.http_url) as http:
            command_id = await pending_id(http, demo, "echo hello from agent")
            assert agent.poll() is None  # still blocked, waiting for a human
            approved = await http.post(
                f"/api/v1/commands/{command_id}/approve", headers=demo.reviewer_headers()
            )
            assert approved.status_code == 200
        stdout, stderr = await asyncio.to_thread(agent.communicate, timeout=30)
        assert agent.returncode == 0, stderr
        assert stdout.strip() == "approved: True"
    finally:
        server.stop()


async def test_async_client_approve_deny_timeout_and_whitelist(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    await http.post(
        "/api/v1/whitelist", json={"pattern": "git status"}, headers=org.reviewer_headers()
    )
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        fast = await client.run("git status")
        assert (fast.approved, fast.whitelisted) == (True, True)

        waiting = asyncio.create_task(client.run("make deploy", target="prod"))
        command_id = await pending_id(http, org, "make deploy")
        await http.post(
            f"/api/v1/commands/{command_id}/approve",
            json={"note": "go"},
            headers=org.reviewer_headers(),
        )
        approved = await waiting
        assert (approved.approved, approved.reviewer, approved.notes) == (True, "alice", "go")
        assert approved.command_id == command_id

        denied_task = asyncio.create_task(client.run("rm -rf /srv"))
        command_id = await pending_id(http, org, "rm -rf /srv")
        await http.post(
            f"/api/v1/commands/{command_id}/deny",
            json={"note": "no"},
            headers=org.reviewer_headers(),
        )
        with pytest.raises(CommandDeniedException) as denied:
            await denied_task
        assert (denied.value.reviewer, denied.value.notes) == ("alice", "no")

        with pytest.raises(CommandTimeoutException):
            await client.run("kubectl delete ns prod", timeout=1)

        timed_out = await client.run("kubectl delete ns qa", timeout=1, raise_on_deny=False)
        assert (timed_out.approved, timed_out.decision) == (False, "timed_out")


async def test_a_reviewer_token_cannot_be_used_by_the_sdk(
    server: ServerProcess, org: OrgTokens
) -> None:
    async with AsyncExpactiClient(server.ws_url, org.reviewer_token) as client:
        with pytest.raises(ExpactiAuthenticationError):
            await client.run("ls")


async def test_the_sdk_resumes_across_a_server_kill(databases: DatabaseFactory) -> None:
    server = databases.server().start()
    database = Database(server.database_url)
    try:
        org = await make_org(database)
        async with AsyncExpactiClient(server.ws_url, org.agent_token, max_backoff=0.5) as client:
            waiting = asyncio.create_task(client.run("terraform apply", timeout=120))
            async with httpx.AsyncClient(base_url=server.http_url) as http:
                command_id = await pending_id(http, org, "terraform apply")
            await asyncio.to_thread(server.kill, signal.SIGKILL)
            await asyncio.to_thread(server.start)
            async with httpx.AsyncClient(base_url=server.http_url) as http:
                await asyncio.sleep(1)  # let the client reconnect and resume
                response = await http.post(
                    f"/api/v1/commands/{command_id}/approve", headers=org.reviewer_headers()
                )
                assert response.status_code == 200
            decision = await asyncio.wait_for(waiting, 30)
            assert (decision.approved, decision.command_id) == (True, command_id)
            listing = await _listing(server, org)
            assert [item["command"] for item in listing] == ["terraform apply"]
    finally:
        await database.dispose()
        server.stop()


async def _listing(server: ServerProcess, org: OrgTokens) -> list[dict[str, object]]:
    async with httpx.AsyncClient(base_url=server.http_url) as http:
        response = await http.get("/api/v1/commands", headers=org.reviewer_headers())
    items: list[dict[str, object]] = response.json()["items"]
    return items


def _expacti_run(server: ServerProcess, token: str, *args: str) -> subprocess.Popen[str]:
    executable = shutil.which("expacti", path=str(Path(sys.executable).parent))
    assert executable is not None, "the SDK's expacti command is not installed"
    return subprocess.Popen(
        [executable, "run", *args],
        env={**os.environ, "EXPACTI_URL": server.ws_url, "EXPACTI_TOKEN": token},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def test_expacti_run_executes_only_after_approval_with_the_commands_exit_code(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    process = _expacti_run(
        server, org.agent_token, "--target", "ci", "--", "sh", "-c", f"touch {marker}; exit 7"
    )
    command_id = await pending_id(http, org, f"sh -c 'touch {marker}; exit 7'")
    assert not marker.exists()
    await http.post(f"/api/v1/commands/{command_id}/approve", headers=org.reviewer_headers())
    await asyncio.to_thread(process.communicate, timeout=30)
    assert process.returncode == 7
    assert marker.exists()


async def test_expacti_run_exits_126_on_deny_and_124_on_timeout(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    marker = tmp_path / "never"
    denied = _expacti_run(server, org.agent_token, "--", "touch", str(marker))
    command_id = await pending_id(http, org, f"touch {marker}")
    await http.post(
        f"/api/v1/commands/{command_id}/deny",
        json={"note": "not today"},
        headers=org.reviewer_headers(),
    )
    _, stderr = await asyncio.to_thread(denied.communicate, timeout=30)
    assert denied.returncode == 126
    assert stderr.strip() == "expacti: denied by alice: not today"
    assert not marker.exists()

    timed_out = _expacti_run(server, org.agent_token, "--timeout", "1", "--", "touch", str(marker))
    _, stderr = await asyncio.to_thread(timed_out.communicate, timeout=30)
    assert timed_out.returncode == 124
    assert len(stderr.strip().splitlines()) == 1
    assert not marker.exists()
