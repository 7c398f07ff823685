"""``expacti hook claude-code``: Claude Code's PreToolUse hook, answered by the gate.

Claude Code runs the hook before each tool call its ``matcher`` selects, with one JSON
event on stdin, and reads one JSON answer from stdout when the hook exits 0
(https://code.claude.com/docs/en/hooks, "PreToolUse decision control")::

    {"hookSpecificOutput": {"hookEventName": "PreToolUse",
                            "permissionDecision": "allow" | "deny",
                            "permissionDecisionReason": "..."}}

The hook only decides; Claude Code runs the command itself, so this asks with ``run()``,
never ``execute()``. Every way of not reaching an approval is a ``deny`` whose reason
Claude reads: a malformed event, another event or tool, no command, no server, a refused
token, no decision in time. A hook that Claude Code kills for taking longer than its own
``timeout`` lets the tool call go ahead, so the wait here is always bounded below that
(``MAX_TIMEOUT`` + ``MAX_CONNECT_TIMEOUT`` + slack stays under Claude Code's default 600 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any, Final, Literal

from ._async_client import AsyncExpactiClient
from ._decision import Decision
from ._errors import CommandTimeoutException, ExpactiError

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "MAX_CONNECT_TIMEOUT",
    "MAX_TIMEOUT",
    "SHELL_TOOLS",
    "HookAnswer",
    "HookEventError",
    "HookSettings",
    "ShellToolCall",
    "answer_event",
    "answer_stdin",
    "decide",
    "deny",
    "parse_event",
    "read_event",
]

SHELL_TOOLS: Final = ("Bash", "PowerShell")
"""Claude Code's tools whose ``tool_input.command`` is a shell command line."""

DEFAULT_TIMEOUT: Final = 300.0
MAX_TIMEOUT: Final = 540.0
DEFAULT_CONNECT_TIMEOUT: Final = 10.0
MAX_CONNECT_TIMEOUT: Final = 30.0
_WATCHDOG_SLACK: Final = 10.0  # beyond the client's own deadline (its 5 s grace included)
_CLOSE_TIMEOUT: Final = 5.0
_MAX_EVENT_BYTES: Final = 4 * 1024 * 1024
_MAX_CONTEXT_CHARS: Final = 1000  # per field: the server takes 16 KiB of context in all
_PREFIX: Final = "expacti: "


class HookEventError(ValueError):
    """The hook's input is not a PreToolUse event for a shell command; nothing was asked."""


@dataclass(frozen=True, slots=True)
class HookSettings:
    """How the hook reaches the server and how long it lets a human take."""

    url: str | None
    token: str | None
    timeout: float = DEFAULT_TIMEOUT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    target: str | None = None
    apply_edits: bool = False
    """Return a reviewer's edit through ``updatedInput`` instead of denying the original."""


@dataclass(frozen=True, slots=True)
class ShellToolCall:
    """The shell command Claude Code is about to run, from one PreToolUse event."""

    tool_name: str
    command: str
    tool_input: Mapping[str, Any]
    """The whole ``tool_input``: ``updatedInput`` replaces it, so an edit echoes the rest."""
    cwd: str | None = None
    session_id: str | None = None
    tool_use_id: str | None = None
    permission_mode: str | None = None
    agent_type: str | None = None

    def context(self) -> dict[str, Any]:
        """What reviewers see beside the command: where it comes from and why."""
        fields: dict[str, Any] = {
            "source": "claude-code",
            "tool": self.tool_name,
            "description": self.tool_input.get("description"),
            "cwd": self.cwd,
            "session_id": self.session_id,
            "tool_use_id": self.tool_use_id,
            "permission_mode": self.permission_mode,
            "agent_type": self.agent_type,
        }
        context: dict[str, Any] = {
            key: value[:_MAX_CONTEXT_CHARS]
            for key, value in fields.items()
            if isinstance(value, str) and value
        }
        if self.tool_input.get("run_in_background") is True:
            context["run_in_background"] = True
        return context


@dataclass(frozen=True, slots=True)
class HookAnswer:
    """The hook's answer; ``to_json()`` is what goes to stdout."""

    decision: Literal["allow", "deny"]
    reason: str
    """Claude reads it on ``deny``; on ``allow`` only the user sees it."""
    updated_input: Mapping[str, Any] | None = None
    additional_context: str | None = None
    """Added to Claude's context: reviewer notes, or the edit that runs instead."""

    def to_json(self) -> dict[str, Any]:
        output: dict[str, Any] = {
            "hookEventName": "PreToolUse",
            "permissionDecision": self.decision,
            "permissionDecisionReason": self.reason,
        }
        if self.updated_input is not None:
            output["updatedInput"] = dict(self.updated_input)
        if self.additional_context is not None:
            output["additionalContext"] = self.additional_context
        return {"hookSpecificOutput": output}


def deny(reason: str) -> HookAnswer:
    """A ``deny`` whose reason says it comes from expacti."""
    return HookAnswer("deny", _PREFIX + reason)


def read_event(stream: IO[bytes]) -> str:
    """The hook's stdin as text; HookEventError when it is too large or not UTF-8."""
    data = stream.read(_MAX_EVENT_BYTES + 1)
    if len(data) > _MAX_EVENT_BYTES:
        raise HookEventError(f"the hook input is larger than {_MAX_EVENT_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HookEventError(f"the hook input is not UTF-8 ({exc.reason})") from None


def parse_event(text: str) -> ShellToolCall:
    """The shell command of a PreToolUse event; HookEventError says what is wrong."""
    try:
        event = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        where = f": {exc.msg} at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise HookEventError(f"the hook input is not valid JSON{where}") from None
    if not isinstance(event, dict):
        raise HookEventError("the hook input is not a JSON object")
    name = event.get("hook_event_name")
    if name != "PreToolUse":
        what = f"not {name!r}" if isinstance(name, str) else "and this one names no event"
        raise HookEventError(
            f"this hook answers PreToolUse events only, {what}; register it under "
            '"PreToolUse" in settings.json'
        )
    tool = event.get("tool_name")
    if tool not in SHELL_TOOLS:
        what = repr(tool) if isinstance(tool, str) else "a call without tool_name"
        raise HookEventError(
            f"this hook gates shell commands ({', '.join(SHELL_TOOLS)}), not {what}; "
            'set its matcher to "Bash" in settings.json'
        )
    tool_input = event.get("tool_input")
    if not isinstance(tool_input, dict):
        tool_input = {}
    command = tool_input.get("command")
    if not isinstance(command, str) or not command.strip():
        raise HookEventError(
            f"the {tool} call has no command (tool_input.command must be a non-empty string)"
        )
    return ShellToolCall(
        tool_name=tool,
        command=command,
        tool_input=tool_input,
        cwd=_text(event, "cwd"),
        session_id=_text(event, "session_id"),
        tool_use_id=_text(event, "tool_use_id"),
        permission_mode=_text(event, "permission_mode"),
        agent_type=_text(event, "agent_type"),
    )


def _not_asked(error: HookEventError) -> HookAnswer:
    return deny(f"{error}. Nothing was submitted for approval and the command did not run.")


def _text(event: Mapping[str, Any], key: str) -> str | None:
    value = event.get(key)
    return value if isinstance(value, str) else None


def answer_stdin(stream: IO[bytes] | None, settings: HookSettings) -> HookAnswer:
    """``answer_event`` for the hook's stdin (None when the process has none)."""
    try:
        if stream is None:
            raise HookEventError("the hook has no stdin to read its event from")
        text = read_event(stream)
    except HookEventError as exc:
        return _not_asked(exc)
    except OSError as exc:
        return _not_asked(HookEventError(f"the hook input could not be read ({exc})"))
    return answer_event(text, settings)


def answer_event(text: str, settings: HookSettings) -> HookAnswer:
    """The answer to one hook input; never raises, and never allows without an approval."""
    try:
        call = parse_event(text)
    except HookEventError as exc:
        return _not_asked(exc)
    if not settings.url:
        return deny("no server URL: set EXPACTI_URL or pass --url. The command did not run.")
    if not settings.token:
        return deny("no agent token: set EXPACTI_TOKEN or pass --token. The command did not run.")
    try:
        client = AsyncExpactiClient(
            settings.url,
            settings.token,
            connect_timeout=settings.connect_timeout,
            reconnect_timeout=settings.connect_timeout,
        )
    except ValueError as exc:
        return deny(f"{exc}. The command did not run.")
    try:
        return asyncio.run(_ask(client, call, settings))
    except (KeyboardInterrupt, asyncio.CancelledError):
        return deny("the hook was interrupted before a decision; the command did not run.")
    except Exception as exc:  # a bug must still deny, never leave Claude Code without an answer
        return deny(f"internal error ({type(exc).__name__}: {exc}); the command did not run.")


async def _ask(
    client: AsyncExpactiClient, call: ShellToolCall, settings: HookSettings
) -> HookAnswer:
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is not None:
        # Claude Code stopping the hook: cancel the wait, so the server cancels the command.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return await decide(client, call, settings)
    finally:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_CLOSE_TIMEOUT):
                await client.aclose()


async def decide(
    client: AsyncExpactiClient, call: ShellToolCall, settings: HookSettings
) -> HookAnswer:
    """Ask the gate about ``call`` and turn the outcome into the hook's answer."""
    watchdog = settings.timeout + settings.connect_timeout + _WATCHDOG_SLACK
    try:
        async with asyncio.timeout(watchdog):
            decision = await client.run(
                call.command,
                target=settings.target,
                timeout=settings.timeout,
                context=call.context(),
                raise_on_deny=False,
            )
    except TimeoutError:
        return _timed_out(None)
    except CommandTimeoutException as exc:
        return _timed_out(exc.decision)
    except ExpactiError as exc:
        return deny(f"the approval gate could not decide ({exc}), so the command did not run.")
    except ValueError as exc:  # e.g. larger than the server accepts: never submitted
        return deny(f"the command was not submitted for approval ({exc}) and did not run.")
    return answer_for(call, decision, apply_edits=settings.apply_edits)


def answer_for(call: ShellToolCall, decision: Decision, *, apply_edits: bool) -> HookAnswer:
    """The answer for the gate's final decision on ``call``."""
    if decision.decision == "timed_out":
        return _timed_out(decision)
    if not decision.approved:
        verb = "cancelled" if decision.decision == "cancelled" else "denied"
        why = f" Reason: {decision.notes}" if decision.notes else " No reason was given."
        return deny(f"the command was {verb}{_by(decision)} and did not run.{why}")
    notes = f" Reviewer notes: {decision.notes}" if decision.notes else ""
    if decision.edited:
        return _edited(call, decision, notes, apply_edits=apply_edits)
    if decision.whitelisted:
        how = f" (rule {decision.rule_id})" if decision.rule_id else ""
        return HookAnswer("allow", f"{_PREFIX}whitelisted{how}")
    approved = f"{_PREFIX}approved{_by(decision)}.{notes}"
    # The reason of an "allow" reaches only the user; notes are for Claude too.
    return HookAnswer("allow", approved, additional_context=approved if notes else None)


def _edited(
    call: ShellToolCall, decision: Decision, notes: str, *, apply_edits: bool
) -> HookAnswer:
    # Never the original after an edit: the reviewer approved only their own text. The
    # approved command comes last, on its own line, so nothing can be read as part of it.
    who = decision.reviewer or "a reviewer"
    if not apply_edits:
        return deny(
            f"the command did not run: {who} approved only an edited version of it.{notes}\n"
            f"To go ahead, run exactly this command instead:\n{decision.command}"
        )
    return HookAnswer(
        "allow",
        f"{_PREFIX}approved with an edit{_by(decision)}:\n{decision.command}",
        updated_input={**call.tool_input, "command": decision.command},
        additional_context=f"{_PREFIX}{who} edited the command before approving it.{notes}\n"
        f"What runs instead is:\n{decision.command}",
    )


def _timed_out(decision: Decision | None) -> HookAnswer:
    why = f" ({decision.notes})" if decision is not None and decision.notes else ""
    return deny(
        f"no reviewer decided in time{why}, so the command did not run. It may be asked "
        "again later, or done another way."
    )


def _by(decision: Decision) -> str:
    return f" by {decision.reviewer}" if decision.reviewer else ""
