"""expacti.langchain.ExpactiTool inside real LangGraph agents, against the real server.

The agents are LangGraph's prebuilt ReAct agent and LangChain's ``create_agent``, driven
by a scripted chat model (no network) that asks for the ``terminal`` tool and records what
it is given back. A reviewer decides through the HTTP API while the agent waits.
"""

from __future__ import annotations

import asyncio
import shlex
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from expacti import AsyncExpactiClient, ExpactiClient
from expacti.langchain import ExpactiTool
from langchain.agents import create_agent
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.prebuilt import create_react_agent
from langgraph.warnings import LangGraphDeprecatedSinceV10
from pydantic import Field

from tests.e2e.integrations.support import decide, writing
from tests.support.factories import OrgTokens
from tests.support.server import ServerProcess


class ScriptedChatModel(BaseChatModel):
    """Answers with the next scripted message; remembers every conversation it was given."""

    replies: list[AIMessage]
    received: list[list[BaseMessage]] = Field(default_factory=list)
    tools: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        self.tools = [convert_to_openai_tool(tool) for tool in tools]
        return cast(Runnable[LanguageModelInput, AIMessage], self)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.received.append(list(messages))
        return ChatResult(generations=[ChatGeneration(message=self.replies.pop(0))])

    def tool_result(self, call: int = 1) -> ToolMessage:
        """The tool's answer the model read in its ``call``-th call (0 is the first)."""
        message = self.received[call][-1]
        assert isinstance(message, ToolMessage), self.received[call]
        return message


def calling_terminal(commands: object) -> ScriptedChatModel:
    """A model that calls ``terminal`` once with ``commands``, then says it is done."""
    ask = AIMessage(
        content="",
        tool_calls=[{"name": "terminal", "args": {"commands": commands}, "id": "call-1"}],
    )
    return ScriptedChatModel(replies=[ask, AIMessage(content="done")])


def react_agent(model: ScriptedChatModel, tool: ExpactiTool) -> Any:
    with warnings.catch_warnings():  # still in LangGraph 1.x, pointing at create_agent
        warnings.simplefilter("ignore", LangGraphDeprecatedSinceV10)
        return create_react_agent(model, [tool])


def langchain_agent(model: ScriptedChatModel, tool: ExpactiTool) -> Any:
    return create_agent(model, [tool])


AGENTS = [
    pytest.param(react_agent, id="langgraph-create_react_agent"),
    pytest.param(langchain_agent, id="langchain-create_agent"),
]
AgentFactory = Callable[[ScriptedChatModel, ExpactiTool], Any]


def ask(text: str) -> dict[str, Any]:
    return {"messages": [HumanMessage(content=text)]}


@pytest.mark.parametrize("make_agent", AGENTS)
async def test_an_approved_command_runs_and_its_output_reaches_the_model(
    server: ServerProcess,
    org: OrgTokens,
    http: httpx.AsyncClient,
    tmp_path: Path,
    make_agent: AgentFactory,
) -> None:
    command = writing(tmp_path / "built", "build ok")
    model = calling_terminal([command])
    client = ExpactiClient(server.ws_url, org.agent_token)
    agent = make_agent(model, ExpactiTool(client=client, context={"agent": "builder"}))
    try:
        running = asyncio.create_task(asyncio.to_thread(agent.invoke, ask("build it")))
        await decide(http, org, command, "approve")
        state = await asyncio.wait_for(running, 60)
    finally:
        await asyncio.to_thread(client.close)

    assert model.tools[0]["function"]["name"] == "terminal"
    assert set(model.tools[0]["function"]["parameters"]["properties"]) == {"commands"}
    answer = model.tool_result()
    assert answer.tool_call_id == "call-1"
    assert answer.content == "build ok"
    assert (tmp_path / "built").read_text() == "build ok\n"
    assert state["messages"][-1].content == "done"
    listed = await http.get(
        "/api/v1/commands", params={"status": "approved"}, headers=org.reviewer_headers()
    )
    [item] = [item for item in listed.json()["items"] if item["command"] == command]
    detail = await http.get(f"/api/v1/commands/{item['id']}", headers=org.reviewer_headers())
    assert detail.json()["context"] == {"agent": "builder"}


@pytest.mark.parametrize("make_agent", AGENTS)
async def test_a_denied_command_does_not_run_and_the_model_reads_why(
    server: ServerProcess,
    org: OrgTokens,
    http: httpx.AsyncClient,
    tmp_path: Path,
    make_agent: AgentFactory,
) -> None:
    command = writing(tmp_path / "dropped", "tables dropped")
    model = calling_terminal(command)  # one command as a plain string
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        agent = make_agent(model, ExpactiTool(client=client))
        running = asyncio.create_task(agent.ainvoke(ask("drop the tables")))
        await decide(http, org, command, "deny", note="not during business hours")
        await asyncio.wait_for(running, 60)

    answer = model.tool_result().content
    assert isinstance(answer, str)
    assert answer.startswith("The command was denied by ")
    assert "did not run" in answer
    assert answer.endswith("Reason: not during business hours")
    assert not (tmp_path / "dropped").exists()


async def test_two_commands_run_in_order_each_approved(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    first = writing(tmp_path / "one", "first")
    second = f"cat {shlex.quote(str(tmp_path / 'one'))} && echo second"
    model = calling_terminal([first, second])
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        agent = langchain_agent(model, ExpactiTool(client=client))
        running = asyncio.create_task(agent.ainvoke(ask("two steps")))
        await decide(http, org, first, "approve")
        await decide(http, org, second, "approve")  # asked only once the first has run
        await asyncio.wait_for(running, 60)

    assert model.tool_result().content == f"$ {first}\nfirst\n\n$ {second}\nfirst\nsecond"


async def test_a_denied_command_stops_the_ones_after_it(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    first = writing(tmp_path / "one", "first")
    second = "rm -rf build"
    third = writing(tmp_path / "three", "third")
    model = calling_terminal([first, second, third])
    client = ExpactiClient(server.ws_url, org.agent_token)
    agent = react_agent(model, ExpactiTool(client=client))
    try:
        running = asyncio.create_task(asyncio.to_thread(agent.invoke, ask("three steps")))
        await decide(http, org, first, "approve")
        await decide(http, org, second, "deny", note="keep the build")
        state = await asyncio.wait_for(running, 60)
    finally:
        await asyncio.to_thread(client.close)

    answer = model.tool_result().content
    assert isinstance(answer, str)
    ran, denied, skipped = answer.split("\n\n")
    assert ran == f"$ {first}\nfirst"
    assert denied.startswith(f"$ {second}\nThe command was denied by ")
    assert denied.endswith("Reason: keep the build")
    assert skipped == f"Not run, because an earlier command did not run:\n$ {third}"
    assert not (tmp_path / "three").exists()
    assert state["messages"][-1].content == "done"
    pending = await http.get(
        "/api/v1/commands", params={"status": "pending"}, headers=org.reviewer_headers()
    )
    assert pending.json()["items"] == []  # the third was never asked


async def test_a_blocking_client_serves_an_async_agent_without_blocking_its_loop(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    command = writing(tmp_path / "made", "made")
    model = calling_terminal([command])
    client = ExpactiClient(server.ws_url, org.agent_token)
    try:
        agent = langchain_agent(model, ExpactiTool(client=client))
        running = asyncio.create_task(agent.ainvoke(ask("make it")))
        # The reviewer's HTTP calls share this loop: they only get through if the tool
        # waiting for the decision leaves it free.
        await decide(http, org, command, "approve")
        await asyncio.wait_for(running, 60)
    finally:
        await asyncio.to_thread(client.close)

    assert model.tool_result().content == "made"
    assert (tmp_path / "made").exists()


async def test_invalid_input_is_explained_to_the_model_and_nothing_is_asked(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    model = calling_terminal([])
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        agent = langchain_agent(model, ExpactiTool(client=client))
        await asyncio.wait_for(agent.ainvoke(ask("nothing")), 60)

    answer = model.tool_result()
    assert answer.status == "error"
    assert isinstance(answer.content, str)
    assert answer.content.startswith("Invalid input for the terminal tool, so nothing ran.")
    listed = await http.get("/api/v1/commands", headers=org.reviewer_headers())
    assert listed.json()["items"] == []


async def test_a_reviewers_edit_runs_instead_of_the_original_and_the_model_is_told(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    original = writing(tmp_path / "original", "everything deleted")
    edited = writing(tmp_path / "edited", "dry run")
    model = calling_terminal([original])
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        agent = langchain_agent(model, ExpactiTool(client=client))
        running = asyncio.create_task(agent.ainvoke(ask("clean up")))
        await decide(http, org, original, "approve", "dry run first", edited=edited)
        await asyncio.wait_for(running, 60)

    assert model.tool_result().content == (
        f"A reviewer edited the command before approving it; ran: {edited}\n"
        "Reviewer notes: dry run first\n"
        "dry run"
    )
    assert (tmp_path / "edited").read_text() == "dry run\n"
    assert not (tmp_path / "original").exists()


async def test_a_failing_command_reports_its_exit_code_and_the_next_one_still_runs(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    failing = "echo 'no such target' >&2; exit 3"
    after = writing(tmp_path / "after", "next")
    model = calling_terminal([failing, after])
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        agent = langchain_agent(model, ExpactiTool(client=client))
        running = asyncio.create_task(agent.ainvoke(ask("build")))
        await decide(http, org, failing, "approve")
        await decide(http, org, after, "approve")
        await asyncio.wait_for(running, 60)

    assert model.tool_result().content == (
        f"$ {failing}\nno such target\nExit code: 3\n\n$ {after}\nnext"
    )


async def test_long_output_is_cut_in_the_middle(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    model = calling_terminal(["seq 1 1000"])  # 3,893 characters
    async with AsyncExpactiClient(server.ws_url, org.agent_token) as client:
        agent = langchain_agent(model, ExpactiTool(client=client, max_output_chars=100))
        running = asyncio.create_task(agent.ainvoke(ask("count")))
        await decide(http, org, "seq 1 1000", "approve")
        await asyncio.wait_for(running, 60)

    answer = model.tool_result().content
    assert isinstance(answer, str)
    head, cut, tail = answer.partition("\n[... 3793 characters cut ...]\n")
    assert cut
    assert head.startswith("1\n2\n3\n")
    assert tail.endswith("\n999\n1000")
    assert len(head) + len(tail) == 100 - 1  # the last newline is dropped


async def test_an_approved_command_never_sees_the_agents_token(
    server: ServerProcess,
    org: OrgTokens,
    http: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EXPACTI_URL", server.ws_url)  # how the CLI and the docs set it up
    monkeypatch.setenv("EXPACTI_TOKEN", org.agent_token)
    monkeypatch.setenv("RELEASE_CHANNEL", "beta")
    model = calling_terminal(["env"])
    client = ExpactiClient(server.ws_url, org.agent_token)
    try:
        agent = react_agent(model, ExpactiTool(client=client))
        running = asyncio.create_task(asyncio.to_thread(agent.invoke, ask("show the env")))
        await decide(http, org, "env", "approve")
        await asyncio.wait_for(running, 60)
    finally:
        await asyncio.to_thread(client.close)

    answer = model.tool_result().content
    assert isinstance(answer, str)
    assert "RELEASE_CHANNEL=beta" in answer
    assert org.agent_token not in answer
    assert "EXPACTI_URL" not in answer
