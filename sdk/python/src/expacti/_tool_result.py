"""What an agent-framework tool hands back to the model after asking the gate.

Every integration (LangChain, OpenAI Agents, MCP) runs a command the same way: ask,
run it only if approved, and tell the model what happened in words it can act on. A
denial is not an exception for the model: it gets the reviewer's reason so it can try
something else. Anything that stops a decision from being reached (the server is
unreachable, the token is refused, the command is too large to submit, or it was approved
but could not start) also means the command did not run, and says so: nothing here raises
for an outcome the model can be told about.

The command runs in this process's environment minus the agent's own expacti credentials:
an approved ``env`` must not hand the model the token that lets it ask for approvals.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ._async_client import AsyncExpactiClient
from ._client import ExpactiClient
from ._decision import Decision
from ._errors import (
    CommandDeniedException,
    CommandTimeoutException,
    ExpactiConnectionError,
    ExpactiError,
)
from ._execution import ExecutionResult
from ._not_run import could_not_start, not_submitted, refused, timed_out, undecided

__all__ = [
    "AGENT_CREDENTIALS",
    "DEFAULT_MAX_OUTPUT_CHARS",
    "ToolOutcome",
    "command_environment",
    "commands_of",
    "execute_for_model",
    "execute_for_model_sync",
]

#: Output longer than this is cut in the middle: models need the start (what ran) and
#: the end (the error, the summary) far more than the bulk between.
DEFAULT_MAX_OUTPUT_CHARS = 20_000

AGENT_CREDENTIALS: Final = frozenset({"EXPACTI_TOKEN", "EXPACTI_URL"})
"""Where the ``expacti`` command and the documented setups keep the agent's server and token."""


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """One command's outcome as the model should see it.

    ``ran`` is true only when the gate approved the command and it was started.
    ``is_error`` marks outcomes a framework should flag as a failed tool call: the
    command was not allowed, could not be decided, or exited non-zero.
    """

    command: str
    ran: bool
    text: str
    exit_code: int | None = None
    decision: Decision | None = None

    @property
    def is_error(self) -> bool:
        return not self.ran or self.exit_code != 0


def commands_of(commands: str | Sequence[str]) -> list[str]:
    """LangChain's shell-tool input: one command as a string, or a list run in order."""
    listed = [commands] if isinstance(commands, str) else list(commands)
    cleaned = [command for command in listed if isinstance(command, str) and command.strip()]
    if not cleaned or len(cleaned) != len(listed):
        raise ValueError("commands must be a non-empty string or a list of non-empty strings")
    return cleaned


def _clip(output: str, limit: int) -> str:
    if len(output) <= limit:
        return output
    head = limit // 2
    tail = limit - head
    cut = len(output) - limit
    return f"{output[:head]}\n[... {cut} characters cut ...]\n{output[-tail:]}"


def _ran(result: ExecutionResult, limit: int) -> ToolOutcome:
    decision = result.decision
    lines = []
    if decision.edited:
        lines.append(f"A reviewer edited the command before approving it; ran: {decision.command}")
    if decision.notes:
        lines.append(f"Reviewer notes: {decision.notes}")
    # A terminal ends its lines with \r\n; the model should read plain lines.
    output = result.output.replace("\r\n", "\n")
    lines.append(_clip(output, limit).rstrip("\n") if output else "(no output)")
    if result.exit_code != 0:
        lines.append(f"Exit code: {result.exit_code}")
    return ToolOutcome(
        command=decision.command,
        ran=True,
        text="\n".join(lines),
        exit_code=result.exit_code,
        decision=decision,
    )


def command_environment() -> dict[str, str]:
    """This process's environment as an approved command gets it: no agent credentials."""
    return {name: value for name, value in os.environ.items() if name not in AGENT_CREDENTIALS}


_NOT_RUN: Final = (ExpactiError, ValueError, OSError)
"""What ``execute`` raises when the command did not run: no decision, a refusal, a
command it could not submit (ValueError), an approved one that could not start (OSError)."""


def _did_not_run(command: str, error: Exception) -> ToolOutcome:
    if isinstance(error, CommandDeniedException):
        text = refused(error.decision, command)
        return ToolOutcome(command=command, ran=False, text=text, decision=error.decision)
    if isinstance(error, CommandTimeoutException):
        text = timed_out(error.decision, command)
        return ToolOutcome(command=command, ran=False, text=text, decision=error.decision)
    if isinstance(error, ExpactiError):
        # Fail closed: without a decision nothing runs, and the model is told so plainly.
        return ToolOutcome(command=command, ran=False, text=undecided(error, command))
    if isinstance(error, OSError):
        return ToolOutcome(command=command, ran=False, text=could_not_start(error, command))
    return ToolOutcome(command=command, ran=False, text=not_submitted(error))  # a ValueError


async def execute_for_model(
    client: AsyncExpactiClient | ExpactiClient,
    command: str,
    *,
    timeout: float | None = None,
    max_output_chars: int = DEFAULT_MAX_OUTPUT_CHARS,
    context: Mapping[str, Any] | None = None,
    target: str | None = None,
) -> ToolOutcome:
    """Ask the gate, run the command if approved, and describe the outcome.

    Either client will do. The blocking one does its work on its own thread, so the
    caller's event loop never blocks; with both, cancelling the call withdraws the
    request on the server, or kills the command if it is already running.
    """
    env = command_environment()
    try:
        if isinstance(client, ExpactiClient):
            result = await _execute_on_its_thread(
                client, command, timeout=timeout, context=context, target=target, env=env
            )
        else:
            result = await client.execute(
                command, timeout=timeout, context=context, target=target, env=env
            )
    except _NOT_RUN as error:
        return _did_not_run(command, error)
    return _ran(result, max_output_chars)


async def _execute_on_its_thread(
    client: ExpactiClient,
    command: str,
    *,
    timeout: float | None,
    context: Mapping[str, Any] | None,
    target: str | None,
    env: Mapping[str, str],
) -> ExecutionResult:
    # Not asyncio.to_thread(client.execute): a cancelled caller cannot stop a thread blocked
    # in it, and the command would still run once approved, for nobody. Awaiting the work on
    # the client's own loop passes the cancellation on instead.
    future = client._submit(
        lambda inner: inner.execute(
            command, timeout=timeout, context=context, target=target, env=env
        )
    )
    try:
        return await asyncio.wrap_future(future)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if future.cancelled() and task is not None and not task.cancelling():
            raise ExpactiConnectionError("client closed") from None  # close() gave up on it
        raise


def execute_for_model_sync(
    client: ExpactiClient,
    command: str,
    *,
    timeout: float | None = None,
    max_output_chars: int = DEFAULT_MAX_OUTPUT_CHARS,
    context: Mapping[str, Any] | None = None,
    target: str | None = None,
) -> ToolOutcome:
    """``execute_for_model`` for the blocking client."""
    try:
        result = client.execute(
            command, timeout=timeout, context=context, target=target, env=command_environment()
        )
    except _NOT_RUN as error:
        return _did_not_run(command, error)
    return _ran(result, max_output_chars)
