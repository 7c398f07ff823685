"""``expacti mcp`` driven by the ``mcp`` client library over stdio, as any MCP client would
spawn it, against the real server."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import ClientSession, MCPError, StdioServerParameters, stdio_client, types

from tests.e2e.integrations.support import (
    commands,
    decide,
    status_once_decided,
    unreachable_url,
    writing,
)
from tests.e2e.test_lifecycle import pending_id
from tests.support.factories import OrgTokens
from tests.support.server import ServerProcess


@asynccontextmanager
async def mcp_shell(url: str, token: str, log: Path, *args: str) -> AsyncIterator[ClientSession]:
    """A session with ``expacti mcp`` started the way an MCP client's config starts it."""
    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "expacti", "mcp", *args],
        env={"EXPACTI_URL": url, "EXPACTI_TOKEN": token},
    )
    with log.open("w") as errlog:
        async with (
            stdio_client(server, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session
    assert "Traceback" not in log.read_text(), log.read_text()


def text_of(result: types.CallToolResult) -> str:
    [content] = result.content
    assert isinstance(content, types.TextContent)
    return content.text


async def test_the_server_lists_one_shell_tool_with_its_schema(
    server: ServerProcess, org: OrgTokens, tmp_path: Path
) -> None:
    async with mcp_shell(server.ws_url, org.agent_token, tmp_path / "stderr") as session:
        listed = await session.list_tools()

    [tool] = listed.tools
    assert tool.name == "shell"
    assert tool.input_schema == {
        "type": "object",
        "properties": {
            "command": {
                "type": "string",
                "minLength": 1,
                "description": "The command line, run with /bin/sh -c once a human approved it.",
            }
        },
        "required": ["command"],
        "additionalProperties": False,
    }
    assert tool.description is not None
    assert "approved" in tool.description
    assert tool.annotations is not None
    assert (tool.annotations.read_only_hint, tool.annotations.destructive_hint) == (False, True)


async def test_an_approved_command_runs_and_its_output_is_the_result(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    command = f"echo hello from mcp && touch {marker}"
    log = tmp_path / "stderr"
    async with mcp_shell(server.ws_url, org.agent_token, log, "--target", "staging") as session:
        calling = asyncio.create_task(session.call_tool("shell", {"command": command}))
        command_id = await pending_id(http, org, command)
        assert not marker.exists()  # nothing runs before the decision
        view = await http.get(f"/api/v1/commands/{command_id}", headers=org.reviewer_headers())
        assert view.json()["target"] == "staging"
        context = view.json()["context"]
        assert (context["source"], context["tool"]) == ("mcp", "shell")
        assert context["client"] == "mcp"  # the client library's name from the handshake
        approved = await http.post(
            f"/api/v1/commands/{command_id}/approve", headers=org.reviewer_headers()
        )
        assert approved.status_code == 200, approved.text
        result = await asyncio.wait_for(calling, 60)

    assert result.is_error is False
    assert "hello from mcp" in text_of(result)
    assert marker.exists()


async def test_a_denied_command_is_an_error_result_with_the_reason_and_does_not_run(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    marker = tmp_path / "never"
    command = f"touch {marker}"
    async with mcp_shell(server.ws_url, org.agent_token, tmp_path / "stderr") as session:
        calling = asyncio.create_task(session.call_tool("shell", {"command": command}))
        command_id = await pending_id(http, org, command)
        denied = await http.post(
            f"/api/v1/commands/{command_id}/deny",
            json={"note": "use the scratch volume"},
            headers=org.reviewer_headers(),
        )
        assert denied.status_code == 200, denied.text
        result = await asyncio.wait_for(calling, 60)

    assert result.is_error is True
    assert text_of(result) == (
        f"The command was denied by alice and did not run: {command}. "
        "Reason: use the scratch volume"
    )
    assert not marker.exists()


async def test_overlapping_calls_wait_for_their_own_decisions(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    async with mcp_shell(server.ws_url, org.agent_token, tmp_path / "stderr") as session:
        first = asyncio.create_task(session.call_tool("shell", {"command": "echo first"}))
        second = asyncio.create_task(session.call_tool("shell", {"command": "echo second"}))
        first_id = await pending_id(http, org, "echo first")
        second_id = await pending_id(http, org, "echo second")
        await http.post(f"/api/v1/commands/{second_id}/approve", headers=org.reviewer_headers())
        approved = await asyncio.wait_for(second, 60)
        assert not first.done()  # still waiting for its own reviewer
        await http.post(f"/api/v1/commands/{first_id}/deny", headers=org.reviewer_headers())
        denied = await asyncio.wait_for(first, 60)

    assert (approved.is_error, denied.is_error) == (False, True)
    assert "second" in text_of(approved)
    assert text_of(denied).startswith("The command was denied by alice and did not run")


async def test_a_call_the_client_abandons_withdraws_the_command_on_the_server(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    marker = tmp_path / "never"
    command = f"touch {marker}"
    async with mcp_shell(server.ws_url, org.agent_token, tmp_path / "stderr") as session:
        calling = asyncio.create_task(session.call_tool("shell", {"command": command}))
        command_id = await pending_id(http, org, command)
        calling.cancel()  # the client sends notifications/cancelled
        with pytest.raises(asyncio.CancelledError):
            await calling
        status = await status_once_decided(http, org, command_id)

    assert status == "cancelled"
    assert not marker.exists()


BAD_ARGUMENTS = [
    pytest.param({}, 'the shell tool needs "command"', id="missing"),
    pytest.param({"command": ["ls", "-la"]}, '"command" must be a string, not list', id="list"),
    pytest.param({"command": "   "}, '"command" must not be blank', id="blank"),
    pytest.param({"command": "ls", "cwd": "/tmp"}, "unknown argument 'cwd'", id="unknown-argument"),
]


@pytest.mark.parametrize(("arguments", "says"), BAD_ARGUMENTS)
async def test_bad_arguments_are_an_error_result_and_nothing_is_submitted(
    server: ServerProcess,
    org: OrgTokens,
    http: httpx.AsyncClient,
    tmp_path: Path,
    arguments: dict[str, Any],
    says: str,
) -> None:
    async with mcp_shell(server.ws_url, org.agent_token, tmp_path / "stderr") as session:
        result = await session.call_tool("shell", arguments)

    assert result.is_error is True
    assert text_of(result).startswith(says)
    assert text_of(result).endswith("Nothing was submitted and nothing ran.")
    assert await commands(http, org) == []


async def test_an_unknown_tool_is_a_protocol_error(
    server: ServerProcess, org: OrgTokens, tmp_path: Path
) -> None:
    async with mcp_shell(server.ws_url, org.agent_token, tmp_path / "stderr") as session:
        with pytest.raises(MCPError) as refused:
            await session.call_tool("bash", {"command": "ls"})

    assert refused.value.code == types.INVALID_PARAMS
    assert "unknown tool 'bash'" in refused.value.message


async def test_no_decision_in_time_is_an_error_result(
    server: ServerProcess, org: OrgTokens, tmp_path: Path
) -> None:
    marker = tmp_path / "never"
    command = f"touch {marker}"
    async with mcp_shell(
        server.ws_url, org.agent_token, tmp_path / "stderr", "--timeout", "1"
    ) as session:
        result = await session.call_tool("shell", {"command": command})

    assert result.is_error is True
    assert text_of(result) == (
        f"No reviewer decided in time (no decision within 1 s), so the command did not run: "
        f"{command}. It may be asked again later, or done another way."
    )
    assert not marker.exists()


async def test_an_unreachable_server_is_an_error_result(tmp_path: Path) -> None:
    url = unreachable_url()
    log = tmp_path / "stderr"
    async with mcp_shell(url, "some-agent-token", log, "--connect-timeout", "1") as session:
        result = await session.call_tool("shell", {"command": "ls"})

    assert result.is_error is True
    assert text_of(result).startswith(
        f"The approval gate could not decide (could not connect to {url}"
    )
    assert text_of(result).endswith("), so the command did not run: ls.")


async def test_a_reviewers_edit_runs_instead_of_the_original_and_the_result_says_so(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    original = writing(tmp_path / "original", "dropped")
    edited = writing(tmp_path / "edited", "backed up")
    async with mcp_shell(server.ws_url, org.agent_token, tmp_path / "stderr") as session:
        calling = asyncio.create_task(session.call_tool("shell", {"command": original}))
        await decide(http, org, original, "approve", "back up first", edited=edited)
        result = await asyncio.wait_for(calling, 60)

    assert result.is_error is False
    assert text_of(result) == (
        f"A reviewer edited the command before approving it; ran: {edited}\n"
        "Reviewer notes: back up first\n"
        "backed up"
    )
    assert (tmp_path / "edited").exists()
    assert not (tmp_path / "original").exists()


async def test_a_failing_command_is_an_error_result_with_its_output_and_exit_code(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    command = "echo 'permission denied' >&2; exit 126"
    async with mcp_shell(server.ws_url, org.agent_token, tmp_path / "stderr") as session:
        calling = asyncio.create_task(session.call_tool("shell", {"command": command}))
        await decide(http, org, command, "approve")
        result = await asyncio.wait_for(calling, 60)

    assert result.is_error is True
    assert text_of(result) == "permission denied\nExit code: 126"


async def test_long_output_is_cut_in_the_middle(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    command = "seq 1 10000"  # 48,894 characters; the result keeps 20,000
    async with mcp_shell(server.ws_url, org.agent_token, tmp_path / "stderr") as session:
        calling = asyncio.create_task(session.call_tool("shell", {"command": command}))
        await decide(http, org, command, "approve")
        result = await asyncio.wait_for(calling, 60)

    assert result.is_error is False
    head, cut, tail = text_of(result).partition("\n[... 28894 characters cut ...]\n")
    assert cut
    assert head.startswith("1\n2\n3\n")
    assert tail.endswith("\n9999\n10000")


async def test_an_approved_command_never_sees_the_token_the_server_was_given(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    async with mcp_shell(server.ws_url, org.agent_token, tmp_path / "stderr") as session:
        calling = asyncio.create_task(session.call_tool("shell", {"command": "env"}))
        await decide(http, org, "env", "approve")
        result = await asyncio.wait_for(calling, 60)

    output = text_of(result)
    assert "PATH=" in output  # the rest of the environment is there
    assert org.agent_token not in output
    assert "EXPACTI_URL" not in output
