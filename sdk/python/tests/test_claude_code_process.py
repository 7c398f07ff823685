"""The hook's life as a process: Claude Code runs the command unless the hook exits 0 with
an answer or exits 2, and kills a hook that outlives its timeout (then the command runs
too). So every answer is bounded in time, written the moment it is decided, and followed
by a bounded exit; a bug still answers deny."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection

from expacti import AsyncExpactiClient, _claude_code_hook, _pending
from expacti._claude_code import HookAnswer, ShellToolCall, deny
from expacti._claude_code_hook import AnswerWriter, HookSettings, answer_event, decide
from peer import TOKEN, Peer, accepted, decision, fake_server, send, wait_for

SRC = Path(__file__).resolve().parents[1] / "src"
PY = sys.executable

CALL = ShellToolCall(tool_name="Bash", command="make deploy", tool_input={"command": "make deploy"})
EVENT = json.dumps(
    {
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": "make deploy"},
    }
)


def python(script: str, stdin: str = EVENT, **options: Any) -> subprocess.CompletedProcess[str]:
    """Run ``script`` as Claude Code runs the hook: the event on stdin, nothing inherited."""
    return subprocess.run(
        [PY, "-c", script],
        input=stdin,
        env={"PYTHONPATH": str(SRC)},
        text=True,
        timeout=30,
        **{"capture_output": True, **options},
    )


def answer_of(stdout: str) -> dict[str, Any]:
    shaped: dict[str, Any] = json.loads(stdout)
    return dict(shaped["hookSpecificOutput"])


async def test_the_watchdog_denies_when_the_client_would_wait_past_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A server that accepts and never decides, and a client whose own deadline is out of
    # reach: only the hook's watchdog can end the wait.
    monkeypatch.setattr(_pending, "GRACE_SECONDS", 3600.0)
    monkeypatch.setattr(_claude_code_hook, "_WATCHDOG_SLACK", 0.0)

    async def accept_and_wait(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit, expires_in=3600))
        await peer.recv(ws)

    async with fake_server(accept_and_wait) as peer:
        settings = HookSettings(url=peer.url, token=TOKEN, timeout=0.5, connect_timeout=0.5)
        async with AsyncExpactiClient(peer.url, TOKEN, connect_timeout=0.5) as client:
            answer = await decide(client, CALL, settings)
        await wait_for(peer.got_cancel)  # the server is told to drop the command

    assert answer == deny(
        "No reviewer decided in time, so the command did not run. It may be asked again "
        "later, or done another way."
    )


async def test_the_answer_is_given_before_the_connection_is_closed() -> None:
    async def approve(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit))
        await send(ws, decision(submit))

    given: list[tuple[HookAnswer, int]] = []
    async with fake_server(approve) as peer:
        settings = HookSettings(url=peer.url, token=TOKEN, timeout=30)
        returned = await asyncio.to_thread(
            answer_event, EVENT, settings, on_answer=lambda a: given.append((a, peer.open_now))
        )

    [(answer, connections_open)] = given
    assert answer == returned
    assert answer.decision == "allow"
    assert connections_open == 1


def test_a_bug_in_the_hook_still_answers_deny_and_exits_0() -> None:
    done = python(
        "import sys\n"
        "from expacti import _claude_code_hook\n"
        "from expacti._cli import main\n"
        "def broken(*args, **kwargs):\n"
        "    raise RuntimeError('boom')\n"
        "_claude_code_hook.answer_stdin = broken\n"
        "sys.exit(main(['hook', 'claude-code']))\n"
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert answer_of(done.stdout) == {
        "hookEventName": "PreToolUse",
        "permissionDecision": "deny",
        "permissionDecisionReason": "expacti: Internal error (RuntimeError: boom), so the "
        "command did not run.",
    }


def test_an_answer_that_cannot_be_written_exits_2_which_claude_code_takes_as_block() -> None:
    reader, writer = os.pipe()
    os.close(reader)  # nobody reads: writing the answer fails with EPIPE
    try:
        done = python(
            "import sys\nfrom expacti._cli import main\nsys.exit(main(['hook', 'claude-code']))\n",
            stdin="{",
            capture_output=False,
            stdout=writer,
            stderr=subprocess.PIPE,
        )
    finally:
        os.close(writer)
    assert done.returncode == 2
    assert done.stderr.startswith("expacti: could not write the hook's answer (")
    assert done.stderr.endswith("; the command must not run\n")


def test_nothing_after_the_answer_keeps_the_process_alive() -> None:
    # A thread the interpreter waits for at exit, and that never ends: what a getaddrinfo
    # hung in asyncio's default executor amounts to. The answer is out; the process ends.
    done = python(
        "import sys, threading\n"
        "from expacti._claude_code import deny\n"
        "from expacti._claude_code_hook import AnswerWriter\n"
        "AnswerWriter(exit_after=0.1)(deny('Nothing ran.'))\n"
        "threading.Thread(target=threading.Event().wait).start()\n"
        "sys.exit(0)\n"
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert answer_of(done.stdout)["permissionDecisionReason"] == "expacti: Nothing ran."


def test_only_the_first_answer_is_written() -> None:
    reader, writer = os.pipe()
    try:
        answers = AnswerWriter(writer, exit_after=None)
        answers(deny("First."))
        answers(HookAnswer("allow", "expacti: Second."))
        assert answers.status == 0
    finally:
        os.close(writer)
    with os.fdopen(reader) as written:
        [line] = written.read().splitlines()
    assert answer_of(line)["permissionDecisionReason"] == "expacti: First."
