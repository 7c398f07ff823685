"""expacti.openai_agents.expacti_shell_tool without a server: its shape, input checks, setup.

What it does in a real ``Runner.run`` against the real server is in the server's
end-to-end tests (``server/tests/e2e/integrations/test_openai_agents_tool.py``).
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

import pytest
from agents.tool_context import ToolContext

from expacti import AsyncExpactiClient, ExpactiClient
from expacti.openai_agents import expacti_shell_tool

# Nothing listens here: a tool that tried to ask would say the gate could not decide.
NOWHERE = "ws://127.0.0.1:9/shell/ws"
TOKEN = "agent-token-1"
QUICK: dict[str, Any] = {"reconnect_timeout": 0.2, "connect_timeout": 0.1, "max_backoff": 0.05}
EXPECTED = 'Expected {"command": "a shell command"}.'


def async_client() -> AsyncExpactiClient:
    return AsyncExpactiClient(NOWHERE, TOKEN, **QUICK)


async def call(arguments: str) -> Any:
    tool = expacti_shell_tool(async_client())
    context = ToolContext(
        context=None, tool_name=tool.name, tool_call_id="call-1", tool_arguments=arguments
    )
    return await tool.on_invoke_tool(context, arguments)


def test_it_is_a_strict_shell_tool_taking_one_command() -> None:
    tool = expacti_shell_tool(async_client())
    assert tool.name == "shell"
    assert tool.strict_json_schema
    assert tool.params_json_schema == {
        "type": "object",
        "title": "shell_args",
        "properties": {
            "command": {
                "type": "string",
                "title": "Command",
                "description": "The shell command to run.",
            }
        },
        "required": ["command"],
        "additionalProperties": False,
    }
    assert "A human reviews each command" in tool.description


def test_name_and_description_may_be_changed() -> None:
    tool = expacti_shell_tool(ExpactiClient(NOWHERE, TOKEN), name="bash", description="Bash.")
    assert (tool.name, tool.description) == ("bash", "Bash.")


@pytest.mark.parametrize(
    "arguments",
    [
        pytest.param('{"command": 5}', id="a-number"),
        pytest.param('{"command": ["ls"]}', id="a-list"),
        pytest.param('{"commands": "ls"}', id="misnamed"),
        pytest.param("{}", id="missing"),
        pytest.param("ls -la", id="not-json"),
        pytest.param('["ls"]', id="not-an-object"),
    ],
)
async def test_invalid_arguments_are_explained_to_the_model_and_nothing_is_asked(
    arguments: str,
) -> None:
    told = await call(arguments)
    assert isinstance(told, str)
    assert told.startswith("Invalid JSON input for tool shell")
    assert told.endswith(f". Nothing ran. {EXPECTED}")


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
async def test_a_blank_command_is_explained_and_nothing_is_asked(blank: str) -> None:
    told = await call(json.dumps({"command": blank}))
    assert told == f"No command was given, so nothing ran. {EXPECTED}"


async def test_an_unreachable_gate_means_the_command_did_not_run() -> None:
    told = await call('{"command": "touch /tmp/never"}')
    assert isinstance(told, str)
    assert told.startswith("The approval gate could not decide (could not connect to ")
    assert told.endswith("), so the command did not run: touch /tmp/never.")


@pytest.mark.parametrize(
    ("options", "error", "problem"),
    [
        pytest.param({"timeout": 0}, ValueError, "timeout must be > 0", id="timeout-zero"),
        pytest.param({"timeout": 601}, ValueError, "<= 600 seconds", id="timeout-too-long"),
        pytest.param({"max_output_chars": 0}, ValueError, "positive", id="no-output"),
        pytest.param({"max_output_chars": True}, ValueError, "positive", id="a-bool"),
    ],
)
def test_a_bad_setup_is_refused_at_once(
    options: dict[str, Any], error: type[Exception], problem: str
) -> None:
    with pytest.raises(error, match=problem):
        expacti_shell_tool(async_client(), **options)


def test_something_else_than_a_client_is_refused() -> None:
    with pytest.raises(TypeError, match="not str"):
        expacti_shell_tool("ws://localhost:3001/shell/ws")  # type: ignore[arg-type]


def test_without_the_agents_sdk_the_import_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(sys.modules):
        if name.partition(".")[0] == "agents":
            monkeypatch.setitem(sys.modules, name, None)  # None: "not installed" to the importer
    monkeypatch.delitem(sys.modules, "expacti.openai_agents")
    with pytest.raises(ImportError, match=r"pip install 'expacti\[openai-agents\]'"):
        importlib.import_module("expacti.openai_agents")
