"""The hook's answer: Claude Code's PreToolUse output shape for every outcome, and the
``expacti hook claude-code`` process around it (fail closed, never a traceback)."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection

from expacti._claude_code import ShellToolCall, answer_for, deny
from expacti._claude_code_hook import HookSettings, answer_event
from factories import make_decision
from peer import TOKEN, Peer, accepted, decision, fake_server, send, wait_for

SRC = Path(__file__).resolve().parents[1] / "src"
PY = sys.executable

CALL = ShellToolCall(
    tool_name="Bash",
    command="terraform apply",
    tool_input={"command": "terraform apply", "description": "Apply", "timeout": 600000},
)
EVENT = json.dumps(
    {
        "session_id": "abc123",
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": "terraform apply"},
    }
)


def output(answer: Any) -> dict[str, Any]:
    shaped: dict[str, Any] = answer.to_json()
    assert list(shaped) == ["hookSpecificOutput"]
    assert shaped["hookSpecificOutput"]["hookEventName"] == "PreToolUse"
    return dict(shaped["hookSpecificOutput"])


def test_an_approval_allows_and_passes_reviewer_notes_to_claude() -> None:
    approved = make_decision(approved=True, decision="approved", reviewer="alice", notes=None)
    assert output(answer_for(CALL, approved, apply_edits=False)) == {
        "hookEventName": "PreToolUse",
        "permissionDecision": "allow",
        "permissionDecisionReason": "expacti: Approved by alice.",
    }
    noted = make_decision(approved=True, decision="approved", reviewer="alice", notes="once")
    assert output(answer_for(CALL, noted, apply_edits=False)) == {
        "hookEventName": "PreToolUse",
        "permissionDecision": "allow",
        "permissionDecisionReason": "expacti: Approved by alice. Reviewer notes: once",
        "additionalContext": "expacti: Approved by alice. Reviewer notes: once",
    }


def test_a_whitelisted_command_is_allowed_naming_the_rule() -> None:
    listed = make_decision(
        approved=True,
        decision="approved",
        reviewer=None,
        notes=None,
        whitelisted=True,
        rule_id="wl_7",
    )
    assert output(answer_for(CALL, listed, apply_edits=False))["permissionDecisionReason"] == (
        "expacti: Whitelisted (rule wl_7)."
    )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"decision": "denied", "reviewer": "bob", "notes": "not on a Friday"},
            "expacti: The command was denied by bob and did not run. Reason: not on a Friday",
        ),
        (
            {"decision": "denied", "reviewer": "bob", "notes": None},
            "expacti: The command was denied by bob and did not run. No reason was given.",
        ),
        (
            {"decision": "cancelled", "reviewer": None, "notes": "agent went away"},
            "expacti: The command was cancelled and did not run. Reason: agent went away",
        ),
        (
            {"decision": "timed_out", "reviewer": None, "notes": None},
            "expacti: No reviewer decided in time, so the command did not run. It may be "
            "asked again later, or done another way.",
        ),
    ],
)
def test_anything_but_an_approval_is_a_deny_with_a_reason_for_claude(
    changes: dict[str, Any], reason: str
) -> None:
    answer = answer_for(CALL, make_decision(approved=False, **changes), apply_edits=False)
    assert output(answer) == {
        "hookEventName": "PreToolUse",
        "permissionDecision": "deny",
        "permissionDecisionReason": reason,
    }


EDITED = make_decision(
    approved=True,
    decision="approved",
    reviewer="alice",
    notes="plan first",
    edited=True,
    command="terraform plan",
    original_command="terraform apply",
)


def test_an_edit_denies_the_original_and_names_the_approved_command_by_default() -> None:
    assert output(answer_for(CALL, EDITED, apply_edits=False)) == {
        "hookEventName": "PreToolUse",
        "permissionDecision": "deny",
        "permissionDecisionReason": "expacti: The command did not run: alice approved only an "
        "edited version of it. Reviewer notes: plan first\n"
        "To go ahead, run exactly this command instead:\nterraform plan",
    }


def test_an_edit_can_rewrite_the_call_keeping_the_rest_of_its_input() -> None:
    answer = output(answer_for(CALL, EDITED, apply_edits=True))
    assert answer["permissionDecision"] == "allow"
    assert answer["permissionDecisionReason"] == (
        "expacti: Approved with an edit by alice:\nterraform plan"
    )
    assert answer["updatedInput"] == {
        "command": "terraform plan",
        "description": "Apply",
        "timeout": 600000,
    }
    assert answer["additionalContext"] == (
        "expacti: The command was edited by alice before it was approved. Reviewer notes: "
        "plan first\n"
        "What runs instead is:\nterraform plan"
    )


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        (
            HookSettings(url=None, token="t"),
            "expacti: No server URL: set EXPACTI_URL or pass --url",
        ),
        (
            HookSettings(url="ws://127.0.0.1:1/shell/ws", token=None),
            "expacti: No agent token: set EXPACTI_TOKEN or pass --token",
        ),
        (
            HookSettings(url="http://example.com", token="t"),
            "expacti: ",  # the client's own message for a URL it refuses
        ),
        (
            HookSettings(url="ws://127.0.0.1:1/shell/ws", token="two words"),
            "expacti: The token must be a non-empty string without whitespace",
        ),
    ],
)
def test_missing_or_bad_settings_deny_without_asking(settings: HookSettings, reason: str) -> None:
    answer = output(answer_event(EVENT, settings))
    assert answer["permissionDecision"] == "deny"
    assert answer["permissionDecisionReason"].startswith(reason)
    assert answer["permissionDecisionReason"].endswith("The command did not run.")


def test_deny_marks_its_reason_as_expactis() -> None:
    assert output(deny("x")) == {
        "hookEventName": "PreToolUse",
        "permissionDecision": "deny",
        "permissionDecisionReason": "expacti: x",
    }


def hook_process(stdin: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "-m", "expacti", "hook", "claude-code", *args],
        input=stdin,
        env={"PYTHONPATH": str(SRC), **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_the_process_answers_malformed_input_with_one_json_deny_and_exit_0() -> None:
    done = hook_process("{not json", EXPACTI_URL="ws://127.0.0.1:1/shell/ws", EXPACTI_TOKEN="t")
    assert (done.returncode, done.stderr) == (0, "")
    answer = json.loads(done.stdout)["hookSpecificOutput"]
    assert answer["permissionDecision"] == "deny"
    assert "not valid JSON" in answer["permissionDecisionReason"]


def test_a_bad_expacti_timeout_variable_is_a_deny_not_a_crash() -> None:
    done = hook_process(
        EVENT, EXPACTI_URL="ws://127.0.0.1:1/shell/ws", EXPACTI_TOKEN="t", EXPACTI_TIMEOUT="soon"
    )
    assert (done.returncode, done.stderr) == (0, "")
    reason = json.loads(done.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
    assert (
        reason == "expacti: EXPACTI_TIMEOUT='soon': not a number: 'soon'. The command did not run."
    )


@pytest.mark.parametrize(
    "args", [["--timeout", "541"], ["--timeout", "0"], ["--connect-timeout", "31"]]
)
def test_a_bad_argument_exits_2_which_claude_code_takes_as_block(args: list[str]) -> None:
    # Claude Code would kill a hook that outlives its own 600 s default, and then the
    # command runs: a longer wait than it allows is refused up front.
    done = hook_process(EVENT, *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "at most" in done.stderr or "more than 0" in done.stderr


async def test_the_hook_asks_with_run_and_allows_what_the_server_approved() -> None:
    async def approve(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit))
        await send(ws, decision(submit, notes="go"))

    async with fake_server(approve) as peer:
        done = await asyncio.to_thread(
            hook_process,
            EVENT,
            "--timeout",
            "30",
            "--target",
            "prod",
            EXPACTI_URL=peer.url,
            EXPACTI_TOKEN=TOKEN,
        )
    assert (done.returncode, done.stderr) == (0, "")
    answer = json.loads(done.stdout)["hookSpecificOutput"]
    assert answer["permissionDecision"] == "allow"
    [submit] = peer.submits
    assert (submit["command"], submit["target"], submit["timeout_seconds"]) == (
        "terraform apply",
        "prod",
        30,
    )
    assert submit["context"] == {"source": "claude-code", "tool": "Bash", "session_id": "abc123"}
    assert not peer.exec_frames  # Claude Code runs the command, not the hook


async def test_sigterm_while_waiting_cancels_on_the_server_and_still_answers_deny() -> None:
    async def hold(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit))
        await peer.recv(ws)

    async with fake_server(hold) as peer:
        process = subprocess.Popen(  # noqa: ASYNC220 - starts it, the wait is in a thread
            [PY, "-m", "expacti", "hook", "claude-code", "--url", peer.url, "--token", TOKEN],
            env={"PYTHONPATH": str(SRC)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            talking = asyncio.create_task(asyncio.to_thread(process.communicate, EVENT, 20))
            await wait_for(peer.got_submit)
            process.send_signal(signal.SIGTERM)
            out, err = await talking
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        await wait_for(peer.got_cancel)
    assert (process.returncode, err) == (0, "")
    answer = json.loads(out)["hookSpecificOutput"]
    assert answer["permissionDecision"] == "deny"
    assert "interrupted" in answer["permissionDecisionReason"]
