"""``expacti hook claude-code`` as Claude Code runs it: a process fed one PreToolUse event on
stdin (the events in tests/data/claude_code/, shaped as Claude Code sends them), answering
on stdout, against the real server."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.integrations.support import commands, decide, unreachable_url
from tests.e2e.test_lifecycle import pending_id
from tests.support.factories import OrgTokens
from tests.support.server import ServerProcess

EVENTS = Path(__file__).resolve().parents[2] / "data" / "claude_code"


def recorded(name: str) -> str:
    return (EVENTS / name).read_text()


class Hook:
    """One run of the hook: the event already written to its stdin, the answer to come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, url: str, token: str, event: str, *args: str) -> Hook:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EXPACTI_")}
        env.update(EXPACTI_URL=url, EXPACTI_TOKEN=token)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "expacti",
            "hook",
            "claude-code",
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        assert process.stdin is not None
        process.stdin.write(event.encode())
        await process.stdin.drain()
        process.stdin.close()  # Claude Code closes stdin once the event is written
        return cls(process)

    async def answer(self) -> dict[str, Any]:
        """The hook's decision: exit 0 and nothing on stdout but one JSON object."""
        stdout, stderr = await asyncio.wait_for(self.process.communicate(), 60)
        assert self.process.returncode == 0, stderr.decode()
        assert b"Traceback" not in stderr, stderr.decode()
        answer: dict[str, Any] = json.loads(stdout)
        assert list(answer) == ["hookSpecificOutput"]
        assert answer["hookSpecificOutput"]["hookEventName"] == "PreToolUse"
        return dict(answer["hookSpecificOutput"])


async def ask(server: ServerProcess, org: OrgTokens, event: str, *args: str) -> Hook:
    return await Hook.start(server.ws_url, org.agent_token, event, *args)


async def test_an_approved_command_is_allowed_and_reviewers_saw_claudes_context(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    hook = await ask(server, org, recorded("pre_tool_use_bash_migrate.json"))
    command_id = await pending_id(http, org, "npm run db:migrate -- --env staging")

    view = await http.get(f"/api/v1/commands/{command_id}", headers=org.reviewer_headers())
    assert view.json()["context"] == {
        "source": "claude-code",
        "tool": "Bash",
        "description": "Apply pending database migrations to staging",
        "cwd": "/home/dev/shop",
        "session_id": "4f1c2a9e-7d3b-4c61-9a0e-2b8f5d6c1e37",
        "tool_use_id": "toolu_01HXk3vQ8mZr2P7yBn4sTcWd",
        "permission_mode": "default",
    }
    approved = await http.post(
        f"/api/v1/commands/{command_id}/approve",
        json={"note": "staging only"},
        headers=org.reviewer_headers(),
    )
    assert approved.status_code == 200, approved.text

    # The note was written after the command was pending: only a hook that waited for the
    # reviewer can pass it on, so Claude Code did not get an answer before the decision.
    assert await hook.answer() == {
        "hookEventName": "PreToolUse",
        "permissionDecision": "allow",
        "permissionDecisionReason": "expacti: Approved by alice. Reviewer notes: staging only",
        "additionalContext": "expacti: Approved by alice. Reviewer notes: staging only",
    }


async def test_a_denied_command_is_denied_with_the_reviewers_reason(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    hook = await ask(server, org, recorded("pre_tool_use_bash_rm.json"))
    command_id = await pending_id(http, org, "rm -rf ~/.cache/shop build/")
    denied = await http.post(
        f"/api/v1/commands/{command_id}/deny",
        json={"note": "keep the cache, it takes an hour to rebuild"},
        headers=org.reviewer_headers(),
    )
    assert denied.status_code == 200, denied.text

    assert await hook.answer() == {
        "hookEventName": "PreToolUse",
        "permissionDecision": "deny",
        "permissionDecisionReason": "expacti: The command was denied by alice and did not run. "
        "Reason: keep the cache, it takes an hour to rebuild",
    }


async def test_a_whitelisted_command_is_allowed_without_a_human(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    rule = await http.post(
        "/api/v1/whitelist", json={"pattern": "git status"}, headers=org.reviewer_headers()
    )
    assert rule.status_code in (200, 201), rule.text

    hook = await ask(server, org, recorded("pre_tool_use_bash_git_status.json"))
    answer = await hook.answer()  # nobody approves anything in this test

    assert answer["permissionDecision"] == "allow"
    assert answer["permissionDecisionReason"].startswith("expacti: Whitelisted (rule ")
    [command] = await commands(http, org)
    assert (command["command"], command["whitelisted"], command["reviewer"]) == (
        "git status",
        True,
        None,
    )


async def test_an_edit_denies_the_original_and_names_the_command_to_run_instead(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    event = recorded("pre_tool_use_bash_terraform.json")
    hook = await ask(server, org, event)
    await decide(http, org, "terraform apply -auto-approve", "approve", edited="terraform plan")

    assert await hook.answer() == {
        "hookEventName": "PreToolUse",
        "permissionDecision": "deny",
        "permissionDecisionReason": "expacti: The command did not run: alice approved only "
        "an edited version of it.\nTo go ahead, run exactly this command instead:\n"
        "terraform plan",
    }

    rewriting = await ask(server, org, event, "--edits", "rewrite")
    await decide(http, org, "terraform apply -auto-approve", "approve", edited="terraform plan")
    answer = await rewriting.answer()
    assert answer["permissionDecision"] == "allow"
    # updatedInput replaces the whole tool_input: everything but the command is echoed.
    assert answer["updatedInput"] == {
        "command": "terraform plan",
        "description": "Apply the infrastructure changes",
        "timeout": 600000,
        "run_in_background": False,
    }
    assert "terraform plan" in answer["additionalContext"]


NOT_ASKED = [
    pytest.param(
        recorded("pre_tool_use_bash_migrate.json")[:150], "not valid JSON", id="truncated-json"
    ),
    pytest.param(
        recorded("post_tool_use_bash.json"),
        "This hook answers PreToolUse events only, not 'PostToolUse'",
        id="wrong-event",
    ),
    pytest.param(
        recorded("pre_tool_use_write.json"),
        "This hook gates shell commands (Bash, PowerShell), not 'Write'",
        id="other-tool",
    ),
    pytest.param(
        recorded("pre_tool_use_bash_no_command.json"),
        "The Bash call has no command",
        id="missing-command",
    ),
    pytest.param(
        # Valid JSON, but Python refuses integers over 4,300 digits (a ValueError).
        recorded("pre_tool_use_bash_terraform.json").replace("600000", "9" * 5000),
        "The hook input could not be read as JSON (Exceeds the limit (4300 digits)",
        id="5000-digit-integer",
    ),
]


@pytest.mark.parametrize(("event", "says"), NOT_ASKED)
async def test_input_that_is_no_bash_command_is_denied_and_nothing_is_submitted(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient, event: str, says: str
) -> None:
    answer = await (await ask(server, org, event)).answer()

    assert answer["permissionDecision"] == "deny"
    reason = answer["permissionDecisionReason"]
    assert reason.startswith("expacti: ")
    assert says in reason
    assert reason.endswith("Nothing was submitted for approval and the command did not run.")
    assert await commands(http, org) == []


async def test_no_decision_in_time_is_a_deny_and_the_command_times_out(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    hook = await ask(server, org, recorded("pre_tool_use_bash_migrate.json"), "--timeout", "1")
    answer = await hook.answer()

    # The server's own deadline (1 s) ends the wait, long before the client's (1 s + grace)
    # or the hook's watchdog: the server times the command out and says so.
    assert answer == {
        "hookEventName": "PreToolUse",
        "permissionDecision": "deny",
        "permissionDecisionReason": "expacti: No reviewer decided in time (no decision "
        "within 1 s), so the command did not run. It may be asked again later, or done "
        "another way.",
    }
    [command] = await commands(http, org)
    assert command["status"] == "timed_out"


async def test_an_unreachable_server_is_a_deny() -> None:
    url = unreachable_url()
    hook = await Hook.start(
        url,
        "some-agent-token",
        recorded("pre_tool_use_bash_migrate.json"),
        "--connect-timeout",
        "1",
    )
    answer = await hook.answer()

    assert answer["permissionDecision"] == "deny"
    assert answer["permissionDecisionReason"].startswith(
        f"expacti: The approval gate could not decide (could not connect to {url}"
    )
    assert answer["permissionDecisionReason"].endswith("), so the command did not run.")


async def test_a_refused_token_is_a_deny(
    server: ServerProcess, org: OrgTokens, http: httpx.AsyncClient
) -> None:
    hook = await Hook.start(
        server.ws_url, "not-a-real-token", recorded("pre_tool_use_bash_migrate.json")
    )
    answer = await hook.answer()

    assert answer["permissionDecision"] == "deny"
    assert answer["permissionDecisionReason"].startswith(
        "expacti: The approval gate could not decide (the server refused the token"
    )
    assert await commands(http, org) == []
