"""The MCP ``shell`` tool: its schema, its arguments, and its results, through the ``mcp``
client library in process against a scripted server; and the missing-extra message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, types
from websockets.asyncio.server import ServerConnection

from expacti import AsyncExpactiClient
from expacti._mcp_server import (
    INPUT_SCHEMA,
    SHELL_TOOL,
    GatedShell,
    ToolArgumentError,
    build_server,
    command_of,
)
from peer import TOKEN, Peer, accepted, decision, fake_server, send

SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.mark.parametrize(
    ("arguments", "says"),
    [
        (None, 'the shell tool needs "command": the command line to run'),
        ({}, 'the shell tool needs "command"'),
        ({"command": 7}, '"command" must be a string, not int'),
        ({"command": ""}, '"command" must not be blank'),
        ({"command": "ls", "cwd": "/", "env": {}}, "unknown argument 'cwd', 'env'"),
    ],
)
def test_unusable_arguments_say_what_is_wrong(arguments: dict[str, Any] | None, says: str) -> None:
    with pytest.raises(ToolArgumentError) as refused:
        command_of(arguments)
    assert str(refused.value).startswith(says)


def test_the_command_is_taken_as_given() -> None:
    assert command_of({"command": "  ls -la | head  "}) == "  ls -la | head  "


def test_the_tool_declares_exactly_one_required_string_and_nothing_else() -> None:
    assert SHELL_TOOL.name == "shell"
    assert SHELL_TOOL.input_schema == INPUT_SCHEMA
    assert INPUT_SCHEMA["required"] == ["command"]
    assert INPUT_SCHEMA["additionalProperties"] is False
    assert SHELL_TOOL.annotations is not None
    assert SHELL_TOOL.annotations.destructive_hint is True


def text_of(result: types.CallToolResult) -> str:
    [content] = result.content
    assert isinstance(content, types.TextContent)
    return content.text


async def test_over_the_protocol_a_denial_is_an_error_result_with_the_reason() -> None:
    async def deny(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit))
        await send(ws, decision(submit, "denied", notes="use staging"))

    async with (
        fake_server(deny) as peer,
        AsyncExpactiClient(peer.url, TOKEN) as expacti,
        Client(build_server(GatedShell(expacti))) as client,
    ):
        tools = await client.list_tools()
        result = await client.call_tool("shell", {"command": "make deploy"})

    assert [tool.name for tool in tools.tools] == ["shell"]
    assert result.is_error is True
    assert text_of(result) == (
        "The command was denied by alice and did not run: make deploy. Reason: use staging"
    )
    [submit] = peer.submits
    assert submit["context"]["source"] == "mcp"
    assert submit["context"]["cwd"] == os.getcwd()
    assert not peer.exec_frames


async def test_over_the_protocol_bad_arguments_never_reach_the_server() -> None:
    async def nothing(peer: Peer, ws: ServerConnection) -> None:
        await peer.recv(ws)

    async with (
        fake_server(nothing) as peer,
        AsyncExpactiClient(peer.url, TOKEN) as expacti,
        Client(build_server(GatedShell(expacti))) as client,
    ):
        result = await client.call_tool("shell", {"cmd": "ls"})

    assert result.is_error is True
    assert text_of(result) == (
        "unknown argument 'cmd': the shell tool takes only \"command\". "
        "Nothing was submitted and nothing ran."
    )
    assert peer.handshakes == 0


def test_without_the_mcp_package_the_command_names_the_extra_to_install() -> None:
    script = (
        "import sys; sys.modules['mcp'] = None\n"  # what a missing package looks like
        "from expacti._cli import main\n"
        "sys.exit(main(['mcp', '--url', 'ws://127.0.0.1:1/shell/ws', '--token', 't']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={"PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 125
    assert done.stdout == ""
    assert done.stderr == "expacti mcp needs the mcp package: pip install 'expacti[mcp]'\n"
