"""Reading Claude Code's PreToolUse event: what is a shell command, and what is refused."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from expacti._claude_code import HookEventError, ShellToolCall, parse_event, read_event


def event(**changes: Any) -> dict[str, Any]:
    """A PreToolUse event for Bash, as Claude Code sends it on the hook's stdin."""
    fields: dict[str, Any] = {
        "session_id": "abc123",
        "transcript_path": "/home/user/.claude/projects/p/abc123.jsonl",
        "cwd": "/home/user/my-project",
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": "npm test", "description": "Run the test suite"},
        "tool_use_id": "toolu_01ABC",
    }
    return fields | changes


def parse(**changes: Any) -> ShellToolCall:
    return parse_event(json.dumps(event(**changes)))


def test_a_bash_event_gives_its_command_and_the_context_reviewers_see() -> None:
    call = parse()

    assert (call.tool_name, call.command) == ("Bash", "npm test")
    assert call.tool_input == {"command": "npm test", "description": "Run the test suite"}
    assert call.context() == {
        "source": "claude-code",
        "tool": "Bash",
        "description": "Run the test suite",
        "cwd": "/home/user/my-project",
        "session_id": "abc123",
        "tool_use_id": "toolu_01ABC",
        "permission_mode": "default",
    }


def test_a_powershell_command_is_gated_like_bash() -> None:
    call = parse(tool_name="PowerShell", tool_input={"command": "Get-ChildItem -Recurse"})
    assert (call.tool_name, call.command) == ("PowerShell", "Get-ChildItem -Recurse")


def test_the_context_keeps_a_subagent_and_background_runs_and_drops_what_is_not_text() -> None:
    call = parse(
        agent_type="Explore",
        cwd=None,
        session_id=42,
        tool_input={"command": "make", "description": "x" * 5000, "run_in_background": True},
    )
    context = call.context()
    assert context["agent_type"] == "Explore"
    assert context["run_in_background"] is True
    assert len(context["description"]) == 1000  # the server takes 16 KiB of context in all
    assert "cwd" not in context
    assert "session_id" not in context


def test_an_event_without_the_optional_fields_still_parses() -> None:
    call = parse_event(
        '{"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "ls"}}'
    )
    assert call.command == "ls"
    assert call.context() == {"source": "claude-code", "tool": "Bash"}


REFUSED = [
    pytest.param("{", "the hook input is not valid JSON", id="truncated"),
    pytest.param("", "the hook input is not valid JSON", id="empty"),
    pytest.param("[1, 2]", "the hook input is not a JSON object", id="array"),
    pytest.param("[" * 100_000, "the hook input is nested too deeply to read", id="deeply-nested"),
    pytest.param(
        json.dumps(event(tool_input={"command": "ls", "timeout": 0})).replace(
            '"timeout": 0', '"timeout": ' + "9" * 5000
        ),
        "the hook input could not be read as JSON (Exceeds the limit",
        id="5000-digit-integer",
    ),
    pytest.param(
        json.dumps(event(hook_event_name="PostToolUse")),
        "this hook answers PreToolUse events only, not 'PostToolUse'",
        id="post-tool-use",
    ),
    pytest.param(
        json.dumps({k: v for k, v in event().items() if k != "hook_event_name"}),
        "this hook answers PreToolUse events only, and this one names no event",
        id="no-event-name",
    ),
    pytest.param(
        json.dumps(event(tool_name="Edit", tool_input={"file_path": "/x"})),
        "this hook gates shell commands (Bash, PowerShell), not 'Edit'",
        id="edit-tool",
    ),
    pytest.param(
        json.dumps(event(tool_name="mcp__expacti__shell")),
        "not 'mcp__expacti__shell'",
        id="mcp-tool",
    ),
    pytest.param(
        json.dumps({k: v for k, v in event().items() if k != "tool_name"}),
        "not a call without tool_name",
        id="no-tool-name",
    ),
    pytest.param(
        json.dumps(event(tool_input={"description": "x"})),
        "the Bash call has no command",
        id="no-command",
    ),
    pytest.param(
        json.dumps(event(tool_input={"command": "  \n"})), "has no command", id="blank-command"
    ),
    pytest.param(
        json.dumps(event(tool_input={"command": ["ls"]})), "has no command", id="list-command"
    ),
    pytest.param(json.dumps(event(tool_input="ls")), "has no command", id="input-not-object"),
]


@pytest.mark.parametrize(("text", "says"), REFUSED)
def test_anything_but_a_shell_command_is_refused_with_a_reason(text: str, says: str) -> None:
    with pytest.raises(HookEventError) as refused:
        parse_event(text)
    assert says in str(refused.value)


def test_an_edit_or_write_is_refused_with_the_matcher_to_use() -> None:
    with pytest.raises(HookEventError, match=r'set its matcher to "Bash\|PowerShell"'):
        parse(tool_name="Write", tool_input={"file_path": "/x", "content": ""})


def test_stdin_is_read_as_utf8_and_bounded() -> None:
    assert read_event(io.BytesIO('{"x": "é"}'.encode())) == '{"x": "é"}'
    with pytest.raises(HookEventError, match="not UTF-8"):
        read_event(io.BytesIO(b'{"x": "\xff"}'))
    with pytest.raises(HookEventError, match="larger than"):
        read_event(io.BytesIO(b" " * (4 * 1024 * 1024 + 1)))
