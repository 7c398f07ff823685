"""``expacti mcp``: an MCP server over stdio whose one tool, ``shell``, waits for a human.

Any MCP client (Claude Desktop, Claude Code, Cursor, an agent built on the ``mcp``
client library) gets a ``shell`` tool that submits the command to the gate, runs it
only once approved (``execute_for_model``: in a recorded pseudo-terminal, a reviewer's
edit instead of the original) and returns its output. A command that did not run, for
whatever reason, comes back as a tool result with ``isError`` and the reason in words
the model can act on; arguments the tool cannot use do too, so the model can correct
them. Only the protocol goes to stdout: the ``mcp`` package (2.0 and later) points fd 1 at
stderr while it serves, so nothing a command or a log prints can corrupt it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

try:
    from mcp import types
    from mcp.server.context import ServerRequestContext
    from mcp.server.lowlevel import Server
    from mcp.server.stdio import stdio_server
    from mcp.shared.exceptions import MCPError
except ImportError as exc:  # the extra is not installed
    raise ImportError(
        "expacti mcp needs the mcp package: pip install 'expacti[mcp]'", name=exc.name
    ) from exc

from ._async_client import AsyncExpactiClient
from ._tool_result import execute_for_model
from ._version import __version__

__all__ = [
    "SHELL_TOOL",
    "GatedShell",
    "ToolArgumentError",
    "build_server",
    "command_of",
    "serve",
]

TOOL_NAME: Final = "shell"

INPUT_SCHEMA: Final[dict[str, Any]] = {
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

SHELL_TOOL: Final = types.Tool(
    name=TOOL_NAME,
    title="Shell (human-approved)",
    description=(
        "Run a shell command with /bin/sh -c, but only after a human reviewer approved it "
        "through expacti. The call waits for the decision. Returns the command's output "
        "(stdout and stderr together, as a terminal shows them) and its exit code when not 0; "
        "a reviewer may edit the command before approving it, and the result then says what "
        "ran. When the command was denied, timed out or could not be asked about, it did not "
        "run and the result says why: adapt instead of retrying the same command. To run in "
        "another directory, write it into the command (cd DIR && ...), so the reviewer sees it."
    ),
    input_schema=INPUT_SCHEMA,
    annotations=types.ToolAnnotations(
        read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=True
    ),
)


class ToolArgumentError(ValueError):
    """The ``shell`` tool's arguments cannot be used; nothing was submitted."""


def command_of(arguments: Mapping[str, Any] | None) -> str:
    """The command line from the ``shell`` tool's arguments; ToolArgumentError otherwise."""
    arguments = arguments or {}
    unknown = sorted(set(arguments) - {"command"})
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        raise ToolArgumentError(f'unknown argument {names}: the shell tool takes only "command"')
    command = arguments.get("command")
    if command is None:
        raise ToolArgumentError('the shell tool needs "command": the command line to run')
    if not isinstance(command, str):
        raise ToolArgumentError(f'"command" must be a string, not {type(command).__name__}')
    if not command.strip():
        raise ToolArgumentError('"command" must not be blank')
    return command


@dataclass(frozen=True, slots=True)
class GatedShell:
    """The ``shell`` tool: every call asks the gate through one shared client."""

    client: AsyncExpactiClient
    timeout: float | None = None
    target: str | None = None

    async def call(
        self, arguments: Mapping[str, Any] | None, *, caller: str | None = None
    ) -> types.CallToolResult:
        """Ask, run once approved, and describe the outcome; never raises for a bad call."""
        try:
            command = command_of(arguments)
        except ToolArgumentError as exc:
            return _result(f"{exc}. Nothing was submitted and nothing ran.", is_error=True)
        context = {"source": "mcp", "tool": TOOL_NAME, "cwd": os.getcwd()}
        if caller:
            context["client"] = caller[:200]
        outcome = await execute_for_model(
            self.client, command, timeout=self.timeout, context=context, target=self.target
        )
        return _result(outcome.text, is_error=outcome.is_error)


def _result(text: str, *, is_error: bool) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)], is_error=is_error
    )


def build_server(shell: GatedShell) -> Server[Any]:
    """The low-level MCP server offering ``shell``: the schema is ours, exactly as listed."""

    async def list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[SHELL_TOOL])

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        if params.name != TOOL_NAME:
            raise MCPError(
                types.INVALID_PARAMS, f"unknown tool {params.name!r}: this server has {TOOL_NAME!r}"
            )
        return await shell.call(params.arguments, caller=_client_name(ctx))

    return Server(
        "expacti",
        version=__version__,
        title="expacti",
        description="A shell tool whose every command a human approves first.",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def _client_name(ctx: ServerRequestContext[Any]) -> str | None:
    """The MCP client's name from its handshake, shown to reviewers; None if it gave none."""
    params = ctx.session.client_params
    return None if params is None else params.client_info.name


async def serve(
    client: AsyncExpactiClient, *, timeout: float | None = None, target: str | None = None
) -> None:
    """Serve ``shell`` over this process's stdin and stdout until the client hangs up.

    ``timeout`` is how long a human has to decide each command (None: the organisation's
    policy); ``target`` names the host or environment the commands are for. The expacti
    client is closed at the end.
    """
    async with client:
        server = build_server(GatedShell(client, timeout=timeout, target=target))
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())
