"""Claude Code's PreToolUse hook: the event it sends and the answer it reads.

Claude Code runs the hook before each tool call its ``matcher`` selects, with one JSON
event on stdin, and reads one JSON answer from stdout when the hook exits 0
(https://code.claude.com/docs/en/hooks, "PreToolUse decision control")::

    {"hookSpecificOutput": {"hookEventName": "PreToolUse",
                            "permissionDecision": "allow" | "deny",
                            "permissionDecisionReason": "..."}}

This module reads the event (``parse_event``: the shell command, or HookEventError) and
words the answer for each outcome (``answer_for``, ``deny``); ``_claude_code_hook`` runs
``expacti hook claude-code`` around them. Every reason starts with ``expacti:`` so Claude
and the user know where it comes from.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any, Final, Literal

from ._decision import Decision
from ._not_run import refused, timed_out

__all__ = [
    "SHELL_TOOLS",
    "HookAnswer",
    "HookEventError",
    "ShellToolCall",
    "answer_for",
    "deny",
    "internal_error",
    "interrupted",
    "not_asked",
    "parse_event",
    "read_event",
    "sentence",
]

SHELL_TOOLS: Final = ("Bash", "PowerShell")
"""Claude Code's tools whose ``tool_input.command`` is a shell command line."""

_MAX_EVENT_BYTES: Final = 4 * 1024 * 1024
_MAX_CONTEXT_CHARS: Final = 1000  # per field: the server takes 16 KiB of context in all
_PREFIX: Final = "expacti: "


class HookEventError(ValueError):
    """The hook's input is not a PreToolUse event for a shell command; nothing was asked."""


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
    event = _json(text)
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
            'set its matcher to "Bash|PowerShell" in settings.json'
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


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"{exc.msg} at line {exc.lineno}"
        raise HookEventError(f"the hook input is not valid JSON: {where}") from None
    except RecursionError:
        raise HookEventError("the hook input is nested too deeply to read") from None
    except ValueError as exc:  # valid JSON Python refuses, e.g. an integer of 5,000 digits
        raise HookEventError(f"the hook input could not be read as JSON ({exc})") from None


def not_asked(error: HookEventError) -> HookAnswer:
    """The deny for input that is no shell command: nothing was asked."""
    return deny(
        f"{sentence(str(error))}. Nothing was submitted for approval and the command did not run."
    )


def sentence(text: str) -> str:
    """``text`` with a capital first letter: an error message as the start of a reason."""
    return text[:1].upper() + text[1:]


def _text(event: Mapping[str, Any], key: str) -> str | None:
    value = event.get(key)
    return value if isinstance(value, str) else None


def answer_for(call: ShellToolCall, decision: Decision, *, apply_edits: bool) -> HookAnswer:
    """The answer for the gate's final decision on ``call``."""
    if decision.decision == "timed_out":
        return deny(timed_out(decision))
    if not decision.approved:
        return deny(refused(decision))
    notes = f" Reviewer notes: {decision.notes}" if decision.notes else ""
    if decision.edited:
        return _edited(call, decision, notes, apply_edits=apply_edits)
    if decision.whitelisted:
        how = f" (rule {decision.rule_id})" if decision.rule_id else ""
        return HookAnswer("allow", f"{_PREFIX}Whitelisted{how}.")
    approved = f"{_PREFIX}Approved{_by(decision)}.{notes}"
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
            f"The command did not run: {who} approved only an edited version of it.{notes}\n"
            f"To go ahead, run exactly this command instead:\n{decision.command}"
        )
    return HookAnswer(
        "allow",
        f"{_PREFIX}Approved with an edit{_by(decision)}:\n{decision.command}",
        updated_input={**call.tool_input, "command": decision.command},
        additional_context=f"{_PREFIX}The command was edited by {who} before it was "
        f"approved.{notes}\nWhat runs instead is:\n{decision.command}",
    )


def interrupted() -> HookAnswer:
    """The deny when the hook is stopped (SIGTERM, Ctrl-C) before a decision."""
    return deny("The hook was interrupted before a decision, so the command did not run.")


def internal_error(error: BaseException) -> HookAnswer:
    """The deny for a bug: whatever went wrong, the command does not run."""
    return deny(f"Internal error ({type(error).__name__}: {error}), so the command did not run.")


def _by(decision: Decision) -> str:
    return f" by {decision.reviewer}" if decision.reviewer else ""
