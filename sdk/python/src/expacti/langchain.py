"""ExpactiTool: LangChain's shell tool, with a human approving every command first.

    from expacti import ExpactiClient
    from expacti.langchain import ExpactiTool
    from langchain.agents import create_agent

    with ExpactiClient(url=URL, token=TOKEN) as client:
        agent = create_agent(model, [ExpactiTool(client=client)])
        agent.invoke({"messages": [("user", "tag the release")]})

It takes the place of ``langchain_community``'s ``ShellTool``: the same name
(``terminal``) and input (``{"commands": [...]}``, a list or one string), so a prompt or
agent written for that tool works unchanged. Each command goes to the gate in order and
runs only once approved. The model gets the output, or the reviewer's reason when a
command was denied; a command that did not run stops the rest, which do not run either.
Approved commands run without the agent's ``EXPACTI_TOKEN`` and ``EXPACTI_URL``.

Needs ``pip install 'expacti[langchain]'`` (``langchain-core``).
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from typing import Any

try:
    from langchain_core.callbacks import (
        AsyncCallbackManagerForToolRun,
        CallbackManagerForToolRun,
    )
    from langchain_core.tools import BaseTool
except ImportError as error:
    raise ImportError(
        "expacti.langchain needs LangChain's core package: pip install 'expacti[langchain]'"
    ) from error

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from pydantic.v1 import ValidationError as ValidationErrorV1

from ._async_client import AsyncExpactiClient
from ._client import ExpactiClient
from ._pending import MAX_TIMEOUT_SECONDS
from ._tool_result import (
    DEFAULT_MAX_OUTPUT_CHARS,
    ToolOutcome,
    commands_of,
    execute_for_model,
    execute_for_model_sync,
)

__all__ = ["ExpactiTool", "ShellCommands"]

_EXPECTED = 'Expected {"commands": ["a shell command", ...]} or {"commands": "a shell command"}.'


class ShellCommands(BaseModel):
    """The input of ``ExpactiTool``: the input of LangChain's ``ShellTool``."""

    commands: str | list[str] = Field(
        description="The shell commands to run, in order: a list of strings, or one string."
    )

    @field_validator("commands", mode="before")
    @classmethod
    def _non_empty_commands(cls, value: object) -> list[str]:
        # commands_of would take any iterable (a dict's keys); only JSON's list or string may.
        if not isinstance(value, str | list):
            raise ValueError(f"commands must be a list of strings or a string, not {value!r}")
        return commands_of(value)


def _platform() -> str:
    system = platform.system()
    return "MacOS" if system == "Darwin" else system


def explain_invalid_input(error: Exception) -> str:
    """What the model reads when its input does not fit ``ShellCommands``: nothing ran."""
    if isinstance(error, ValidationError):
        problems = []
        for problem in error.errors():
            cause = (problem.get("ctx") or {}).get("error")
            where = ".".join(str(part) for part in problem["loc"]) or "input"
            problems.append(str(cause) if cause is not None else f"{where}: {problem['msg']}")
        details = "; ".join(problems)
    else:
        details = str(error)
    return f"Invalid input for the terminal tool, so nothing ran. {details}. {_EXPECTED}"


class ExpactiTool(BaseTool):
    """LangChain's shell tool (``terminal``), asking a human before each command runs.

    Give it ``client`` (an ``ExpactiClient`` or an ``AsyncExpactiClient``) and, to serve both
    sync and async agents, the other kind as ``async_client``. Synchronous runs use the
    blocking client; asynchronous runs use the async one, or the blocking one without
    blocking the event loop. An agent run synchronously needs the blocking client: an
    ``AsyncExpactiClient`` belongs to the event loop that uses it.

    ``timeout`` is how long reviewers have to decide on each command (seconds, at most
    600; default: the server's policy). ``max_output_chars`` bounds each command's output
    the model gets (the middle is cut). ``context`` is shown to reviewers with every
    command, e.g. ``{"agent": "release-bot"}``.

    The commands run in order, each as ``/bin/sh -c COMMAND`` in a fresh shell (not one
    shell kept across calls). A command that exits non-zero does not stop the next one,
    as with ``ShellTool``; one that did not run (denied, not decided in time, the gate
    unreachable) stops the rest, and the model is told which did not run.
    """

    name: str = "terminal"
    description: str = (
        f"Run shell commands on this {_platform()} machine. A human reviews each command "
        "before it runs: a denied command does not run, and you get the reviewer's reason "
        "instead of its output."
    )
    args_schema: type[BaseModel] = ShellCommands
    handle_validation_error: (
        bool | str | Callable[[ValidationError | ValidationErrorV1], str] | None
    ) = explain_invalid_input

    client: ExpactiClient | AsyncExpactiClient | None = Field(default=None, exclude=True)
    """The client that asks the gate; either kind."""
    async_client: AsyncExpactiClient | None = Field(default=None, exclude=True)
    """An async client besides a blocking ``client``, for asynchronous runs."""
    timeout: float | None = Field(default=None, gt=0, le=MAX_TIMEOUT_SECONDS)
    """Seconds reviewers have to decide on each command; None: the server's policy."""
    max_output_chars: int = Field(default=DEFAULT_MAX_OUTPUT_CHARS, gt=0)
    """The most of each command's output the model gets; longer output is cut in the middle."""
    context: dict[str, Any] | None = None
    """Shown to reviewers with every command, e.g. ``{"agent": "release-bot"}``."""

    @model_validator(mode="after")
    def _has_a_client(self) -> ExpactiTool:
        if self.client is None and self.async_client is None:
            raise ValueError("ExpactiTool needs client= (an ExpactiClient or AsyncExpactiClient)")
        if isinstance(self.client, AsyncExpactiClient) and self.async_client is not None:
            raise ValueError("give ExpactiTool one AsyncExpactiClient; client= may be blocking")
        return self

    def _run(
        self,
        commands: str | list[str],
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> str:
        client = self.client
        if not isinstance(client, ExpactiClient):
            raise RuntimeError(
                "ExpactiTool has only an AsyncExpactiClient, which works in asynchronous runs "
                "(ainvoke, astream); for synchronous runs give it client=ExpactiClient(...)"
            )
        listed = commands_of(commands)
        outcomes: list[ToolOutcome] = []
        for command in listed:
            outcomes.append(execute_for_model_sync(client, command, **self._options()))
            if not outcomes[-1].ran:
                break
        return _report(listed, outcomes)

    async def _arun(
        self,
        commands: str | list[str],
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> str:
        client = self.client if self.async_client is None else self.async_client
        if client is None:  # only when the validators were bypassed (model_construct)
            raise RuntimeError("ExpactiTool needs client= (an ExpactiClient or AsyncExpactiClient)")
        listed = commands_of(commands)
        outcomes: list[ToolOutcome] = []
        for command in listed:
            outcomes.append(await execute_for_model(client, command, **self._options()))
            if not outcomes[-1].ran:
                break
        return _report(listed, outcomes)

    def _options(self) -> dict[str, Any]:
        return {
            "timeout": self.timeout,
            "max_output_chars": self.max_output_chars,
            "context": self.context,
        }


def _report(commands: list[str], outcomes: list[ToolOutcome]) -> str:
    """One command: its outcome. Several: each under its command, then those left out."""
    if len(commands) == 1:
        return outcomes[0].text
    parts = [
        f"$ {command}\n{outcome.text}" for command, outcome in zip(commands, outcomes, strict=False)
    ]
    skipped = commands[len(outcomes) :]
    if skipped:
        listed = "\n".join(f"$ {command}" for command in skipped)
        parts.append(f"Not run, because an earlier command did not run:\n{listed}")
    return "\n\n".join(parts)
