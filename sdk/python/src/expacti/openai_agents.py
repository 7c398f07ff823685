"""expacti_shell_tool: a ``shell`` function tool for the OpenAI Agents SDK, gated by a human.

    from agents import Agent, Runner
    from expacti import AsyncExpactiClient
    from expacti.openai_agents import expacti_shell_tool

    async with AsyncExpactiClient(URL, TOKEN) as client:
        agent = Agent(name="ops", tools=[expacti_shell_tool(client)])
        result = await Runner.run(agent, "free some space on /var")

The model calls ``shell`` with ``{"command": "..."}``; the command runs only once a
reviewer approved it (without the agent's ``EXPACTI_TOKEN`` and ``EXPACTI_URL`` in its
environment), and the model gets its output, or the reviewer's reason when it was denied.
Needs ``pip install 'expacti[openai-agents]'``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

try:
    from agents import FunctionTool, RunContextWrapper, function_tool
    from agents.exceptions import ModelBehaviorError
except ImportError as error:
    raise ImportError(
        "expacti.openai_agents needs the OpenAI Agents SDK: pip install 'expacti[openai-agents]'"
    ) from error

from ._async_client import AsyncExpactiClient
from ._client import ExpactiClient
from ._pending import MAX_TIMEOUT_SECONDS
from ._tool_result import DEFAULT_MAX_OUTPUT_CHARS, execute_for_model

__all__ = ["DESCRIPTION", "expacti_shell_tool", "explain_failure"]

DESCRIPTION = (
    "Run a shell command (/bin/sh -c) on this machine and get what it printed. A human "
    "reviews each command before it runs: a denied command does not run, and you get the "
    "reviewer's reason instead of its output."
)
_NO_COMMAND = 'No command was given, so nothing ran. Expected {"command": "a shell command"}.'


def explain_failure(context: RunContextWrapper[Any], error: Exception) -> str:
    """The tool's ``failure_error_function``: what the model reads when the call failed.

    Bad arguments are the model's to fix, so it is told what was wrong; nothing ran.
    Anything else failed before the tool had a result, which it says without guessing.
    """
    if isinstance(error, ModelBehaviorError):
        return f'{error}. Nothing ran. Expected {{"command": "a shell command"}}.'
    return f"The shell tool failed before it had a result: {error}"


def expacti_shell_tool(
    client: AsyncExpactiClient | ExpactiClient,
    *,
    timeout: float | None = None,
    max_output_chars: int = DEFAULT_MAX_OUTPUT_CHARS,
    context: Mapping[str, Any] | None = None,
    name: str = "shell",
    description: str = DESCRIPTION,
) -> FunctionTool:
    """A FunctionTool ``shell({"command": str})`` whose every call waits for a reviewer.

    ``client`` is an ``AsyncExpactiClient`` (used on the agent's event loop) or an
    ``ExpactiClient`` (its work runs on its own thread; the loop never blocks). ``timeout``
    is how long reviewers have to decide (seconds, at most 600; default: the server's
    policy); ``max_output_chars`` bounds the output the model gets (the middle is cut);
    ``context`` is shown to reviewers with every command, e.g. ``{"agent": "ops"}``.

    The model gets the command's output (with its exit code when not 0), or why it did not
    run: denied (with the reviewer's reason), not decided in time, the gate could not be
    reached, too large to submit, or approved but unable to start. Cancelling the call (an
    agent's tool timeout, say) withdraws the request, or kills the command if it is running.
    """
    if not isinstance(client, AsyncExpactiClient | ExpactiClient):
        raise TypeError(
            f"client must be an AsyncExpactiClient or ExpactiClient, not {type(client).__name__}"
        )
    if timeout is not None and not 0 < timeout <= MAX_TIMEOUT_SECONDS:
        raise ValueError(f"timeout must be > 0 and <= {MAX_TIMEOUT_SECONDS} seconds")
    if isinstance(max_output_chars, bool) or max_output_chars <= 0:
        raise ValueError("max_output_chars must be a positive integer")
    shown = None if context is None else dict(context)

    async def shell(command: Annotated[str, "The shell command to run."]) -> str:
        if not command.strip():
            return _NO_COMMAND
        outcome = await execute_for_model(
            client, command, timeout=timeout, max_output_chars=max_output_chars, context=shown
        )
        return outcome.text

    return function_tool(
        shell,
        name_override=name,
        description_override=description,
        use_docstring_info=False,
        failure_error_function=explain_failure,
    )
