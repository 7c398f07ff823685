"""expacti.langchain.ExpactiTool without a server: its shape, its input checks, its setup.

What it does with a real server and real agents is in the server's end-to-end tests
(``server/tests/e2e/integrations/test_langchain_tool.py``).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ValidationError

from expacti import AsyncExpactiClient, ExpactiClient
from expacti.langchain import ExpactiTool

# Nothing listens here: a tool that tried to ask would say the gate could not decide.
NOWHERE = "ws://127.0.0.1:9/shell/ws"
TOKEN = "agent-token-1"
QUICK: dict[str, Any] = {"reconnect_timeout": 0.2, "connect_timeout": 0.1, "max_backoff": 0.05}


def async_client() -> AsyncExpactiClient:
    return AsyncExpactiClient(NOWHERE, TOKEN, **QUICK)


def call(tool: ExpactiTool, args: dict[str, Any]) -> ToolMessage:
    message = tool.invoke({"type": "tool_call", "id": "call-1", "name": tool.name, "args": args})
    assert isinstance(message, ToolMessage)
    return message


def test_it_is_called_and_takes_input_like_langchains_shell_tool() -> None:
    tool = ExpactiTool(client=async_client())
    assert tool.name == "terminal"
    parameters = convert_to_openai_tool(tool)["function"]["parameters"]  # what a model sees
    assert parameters["required"] == ["commands"]
    assert parameters["properties"]["commands"]["anyOf"] == [
        {"type": "string"},
        {"type": "array", "items": {"type": "string"}},
    ]
    assert "A human reviews each command" in tool.description


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        pytest.param({"commands": []}, "a non-empty string or a list", id="empty-list"),
        pytest.param({"commands": ""}, "a non-empty string or a list", id="empty-string"),
        pytest.param({"commands": ["ls", "  "]}, "a non-empty string or a list", id="blank-one"),
        pytest.param({"commands": ["ls", 3]}, "a non-empty string or a list", id="not-a-string"),
        pytest.param({"commands": 5}, "not 5", id="a-number"),
        pytest.param({"commands": {"ls": 1}}, "not {'ls': 1}", id="an-object"),
        pytest.param({"commands": None}, "not None", id="null"),
        pytest.param({"command": "ls"}, "commands: Field required", id="misnamed"),
    ],
)
async def test_invalid_input_is_explained_to_the_model_and_nothing_is_asked(
    args: dict[str, Any], problem: str
) -> None:
    tool = ExpactiTool(client=async_client())
    for answer in (call(tool, args), await tool.ainvoke(_tool_call(tool, args))):
        assert isinstance(answer, ToolMessage)
        assert answer.status == "error"
        assert isinstance(answer.content, str)
        assert answer.content.startswith("Invalid input for the terminal tool, so nothing ran.")
        assert problem in answer.content
        assert answer.content.endswith(
            'Expected {"commands": ["a shell command", ...]} or {"commands": "a shell command"}.'
        )


def _tool_call(tool: ExpactiTool, args: dict[str, Any]) -> dict[str, Any]:
    return {"type": "tool_call", "id": "call-1", "name": tool.name, "args": args}


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        pytest.param({}, "needs client=", id="no-client"),
        pytest.param({"timeout": 0}, "greater than 0", id="timeout-zero"),
        pytest.param({"timeout": 601}, "less than or equal to 600", id="timeout-too-long"),
        pytest.param({"max_output_chars": 0}, "greater than 0", id="no-output"),
        pytest.param({"client": "ws://x"}, "instance of ExpactiClient", id="not-a-client"),
    ],
)
def test_a_bad_setup_is_refused_at_once(options: dict[str, Any], problem: str) -> None:
    if "client" not in options and options:
        options = {"client": async_client(), **options}
    with pytest.raises(ValidationError, match=problem):
        ExpactiTool(**options)


def test_two_async_clients_are_refused() -> None:
    with pytest.raises(ValidationError, match="one AsyncExpactiClient"):
        ExpactiTool(client=async_client(), async_client=async_client())


def test_both_kinds_of_client_may_be_given() -> None:
    blocking = ExpactiClient(NOWHERE, TOKEN)
    tool = ExpactiTool(client=blocking, async_client=async_client(), context={"agent": "a"})
    assert tool.client is blocking
    assert "client" not in tool.model_dump()  # clients are never serialised


def test_a_synchronous_run_with_only_an_async_client_says_what_to_give_it() -> None:
    tool = ExpactiTool(client=async_client())
    with pytest.raises(RuntimeError, match=r"client=ExpactiClient\(\.\.\.\)"):
        tool.invoke({"commands": ["ls"]})


def test_without_langchain_core_the_import_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in list(sys.modules):
        if name.partition(".")[0] == "langchain_core":
            monkeypatch.setitem(sys.modules, name, None)  # None: "not installed" to the importer
    monkeypatch.delitem(sys.modules, "expacti.langchain")
    with pytest.raises(ImportError, match=r"pip install 'expacti\[langchain\]'"):
        importlib.import_module("expacti.langchain")
