"""expacti.openai_agents.expacti_shell_tool in a real OpenAI Agents run, against the real server.

``agents.Runner.run`` drives a scripted model (no network, tracing off, no API key) that
calls ``shell`` once and then answers; it records the input of every call, so the tests see
exactly what the model was told. A reviewer decides through the HTTP API meanwhile.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from agents import (
    Agent,
    FunctionTool,
    Handoff,
    Model,
    ModelResponse,
    ModelSettings,
    ModelTracing,
    Runner,
    Tool,
    Usage,
    set_tracing_disabled,
)
from agents.agent_output import AgentOutputSchemaBase
from agents.items import TResponseInputItem, TResponseStreamEvent
from expacti import AsyncExpactiClient, ExpactiClient
from expacti.openai_agents import expacti_shell_tool
from openai.types.responses import (
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseOutputText,
)
from openai.types.responses.response_prompt_param import ResponsePromptParam

from tests.e2e.integrations.support import decide, status_once_decided, writing
from tests.e2e.test_lifecycle import pending_id
from tests.support.factories import OrgTokens
from tests.support.server import ServerProcess


@pytest.fixture(autouse=True)
def no_tracing() -> Iterator[None]:
    set_tracing_disabled(True)  # the default exporter would post traces to OpenAI
    yield
    set_tracing_disabled(False)


class ScriptedModel(Model):
    """Calls ``shell`` with ``arguments`` first, then says "done"; keeps every input."""

    def __init__(self, arguments: str) -> None:
        self.arguments = arguments
        self.inputs: list[str | list[TResponseInputItem]] = []
        self.tools: list[Tool] = []

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff[Any, Any]],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> ModelResponse:
        self.inputs.append(input)
        self.tools = tools
        if len(self.inputs) == 1:
            call = ResponseFunctionToolCall(
                type="function_call", call_id="call-1", name="shell", arguments=self.arguments
            )
            return ModelResponse(output=[call], usage=Usage(), response_id=None)
        text = ResponseOutputText(type="output_text", text="done", annotations=[])
        message = ResponseOutputMessage(
            type="message", id="msg-1", role="assistant", status="completed", content=[text]
        )
        return ModelResponse(output=[message], usage=Usage(), response_id=None)

    def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff[Any, Any]],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: ResponsePromptParam | None,
    ) -> AsyncIterator[TResponseStreamEvent]:
        raise NotImplementedError("these runs do not stream")

    def tool_output(self) -> str:
        """The tool's output as the model read it in its second call."""
        assert len(self.inputs) == 2, self.inputs
        second = self.inputs[1]
        assert isinstance(second, list)
        [output] = [item for item in second if item.get("type") == "function_call_output"]
        assert output.get("call_id") == "call-1"
        text = output.get("output")
        assert isinstance(text, str), output
        return text


def calling_shell(command: object) -> ScriptedModel:
    return ScriptedModel(json.dumps({"command": command}))


def agent_with(model: ScriptedModel, tool: FunctionTool) -> Agent[Any]:
    return Agent(name="ops", instructions="Run what is asked.", model=model, tools=[tool])


async def test_an_approved_command_runs_and_its_output_reaches_the_model(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    command = writing(tmp_path / "deployed", "deployed v2")
    model = calling_shell(command)
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        tool = expacti_shell_tool(client, context={"agent": "ops"})
        running = asyncio.create_task(Runner.run(agent_with(model, tool), "deploy v2"))
        await decide(http, org, command, "approve")
        result = await asyncio.wait_for(running, 60)

    [tool_shown] = model.tools
    assert isinstance(tool_shown, FunctionTool)
    assert (tool_shown.name, tool_shown.params_json_schema["required"]) == ("shell", ["command"])
    assert model.tool_output() == "deployed v2"
    assert (tmp_path / "deployed").read_text() == "deployed v2\n"
    assert result.final_output == "done"


@pytest.mark.parametrize("blocking", [False, True], ids=["async-client", "blocking-client"])
async def test_a_denied_command_does_not_run_and_the_model_reads_why(
    server: ServerProcess,
    org: OrgTokens,
    http: httpx.AsyncClient,
    tmp_path: Path,
    blocking: bool,
) -> None:
    command = writing(tmp_path / "wiped", "wiped")
    model = calling_shell(command)
    client: ExpactiClient | AsyncExpactiClient = (
        ExpactiClient(server.ws_url, org.agent_token)
        if blocking
        else AsyncExpactiClient(server.ws_url, org.agent_token)
    )
    try:
        running = asyncio.create_task(
            Runner.run(agent_with(model, expacti_shell_tool(client)), "wipe the disk")
        )
        await decide(http, org, command, "deny", note="use the staging box")
        result = await asyncio.wait_for(running, 60)
    finally:
        if isinstance(client, ExpactiClient):
            await asyncio.to_thread(client.close)
        else:
            await client.aclose()

    output = model.tool_output()
    assert output.startswith("The command was denied by ")
    assert "did not run" in output
    assert output.endswith("Reason: use the staging box")
    assert not (tmp_path / "wiped").exists()
    assert result.final_output == "done"


async def test_a_call_the_agent_gives_up_on_is_withdrawn_and_never_runs(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    command = writing(tmp_path / "late", "late")
    model = calling_shell(command)
    client = ExpactiClient(server.ws_url, org.agent_token)
    try:
        running = asyncio.create_task(
            Runner.run(agent_with(model, expacti_shell_tool(client)), "go")
        )
        command_id = await pending_id(http, org, command)
        running.cancel()  # the agent gives up while nobody has decided yet
        with pytest.raises(asyncio.CancelledError):
            await running
        status = await status_once_decided(http, org, command_id)
    finally:
        await asyncio.to_thread(client.close)

    assert status == "cancelled"
    assert len(model.inputs) == 1  # the model never got a result for the call
    assert not (tmp_path / "late").exists()


async def test_a_reviewers_edit_runs_instead_of_the_original_and_the_model_is_told(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    original = writing(tmp_path / "original", "restarted prod")
    edited = writing(tmp_path / "edited", "restarted staging")
    model = calling_shell(original)
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        running = asyncio.create_task(
            Runner.run(agent_with(model, expacti_shell_tool(client)), "restart")
        )
        await decide(http, org, original, "approve", edited=edited)
        await asyncio.wait_for(running, 60)

    assert model.tool_output() == (
        f"A reviewer edited the command before approving it; ran: {edited}\nrestarted staging"
    )
    assert (tmp_path / "edited").exists()
    assert not (tmp_path / "original").exists()


async def test_a_failing_command_reports_its_exit_code(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    command = "echo 'disk full'; exit 28"
    model = calling_shell(command)
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        running = asyncio.create_task(
            Runner.run(agent_with(model, expacti_shell_tool(client)), "copy")
        )
        await decide(http, org, command, "approve")
        await asyncio.wait_for(running, 60)

    assert model.tool_output() == "disk full\nExit code: 28"


async def test_long_output_is_cut_in_the_middle(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    model = calling_shell("seq 1 1000")  # 3,893 characters
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        tool = expacti_shell_tool(client, max_output_chars=100)
        running = asyncio.create_task(Runner.run(agent_with(model, tool), "count"))
        await decide(http, org, "seq 1 1000", "approve")
        await asyncio.wait_for(running, 60)

    head, cut, tail = model.tool_output().partition("\n[... 3793 characters cut ...]\n")
    assert cut
    assert head.startswith("1\n2\n3\n")
    assert tail.endswith("\n999\n1000")


async def test_an_approved_command_never_sees_the_agents_token(
    server: ServerProcess,
    org: OrgTokens,
    http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EXPACTI_URL", server.ws_url)
    monkeypatch.setenv("EXPACTI_TOKEN", org.agent_token)
    monkeypatch.setenv("RELEASE_CHANNEL", "beta")
    model = calling_shell("env")
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        running = asyncio.create_task(
            Runner.run(agent_with(model, expacti_shell_tool(client)), "show the env")
        )
        await decide(http, org, "env", "approve")
        await asyncio.wait_for(running, 60)

    output = model.tool_output()
    assert "RELEASE_CHANNEL=beta" in output
    assert org.agent_token not in output
    assert "EXPACTI_URL" not in output


@pytest.mark.parametrize(
    ("command", "told"),
    [
        pytest.param(5, "Invalid JSON input for tool shell", id="not-a-string"),
        pytest.param("   ", "No command was given, so nothing ran.", id="blank"),
    ],
)
async def test_invalid_input_is_explained_to_the_model_and_nothing_is_asked(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, command: object, told: str
) -> None:
    model = calling_shell(command)
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        await asyncio.wait_for(Runner.run(agent_with(model, expacti_shell_tool(client)), "go"), 60)

    output = model.tool_output()
    assert output.startswith(told)
    assert output.endswith('Expected {"command": "a shell command"}.')
    listed = await http.get("/api/v1/commands", headers=org.reviewer_headers())
    assert listed.json()["items"] == []
