"""What the framework tools tell a model: every outcome's text, the output as a model reads
it, and what an approved command may see of the agent's environment; against a scripted
server, with real commands in a real pseudo-terminal."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from expacti import (
    AsyncExpactiClient,
    CommandDeniedException,
    CommandTimeoutException,
    ExecutionResult,
    ExpactiClient,
    ExpactiConnectionError,
    _pty,
)
from expacti._tool_result import (
    AGENT_CREDENTIALS,
    ToolOutcome,
    _clip,
    _did_not_run,
    _ran,
    command_environment,
    execute_for_model,
    execute_for_model_sync,
)
from factories import make_decision
from peer import HELLO, TOKEN, Peer, approve_and_record, fake_server

FAST: dict[str, Any] = {"max_backoff": 0.02, "reconnect_timeout": 2.0, "connect_timeout": 1.0}

APPROVED = make_decision(
    approved=True, decision="approved", reviewer="alice", notes=None, command="make"
)


def test_output_within_the_limit_is_kept_whole() -> None:
    assert _clip("abcdef", 6) == "abcdef"
    assert _clip("", 1) == ""


def test_longer_output_keeps_its_start_and_end_and_says_how_much_was_cut() -> None:
    output = "START" + "x" * 990 + "END"
    clipped = _clip(output, 10)
    head, marker, tail = clipped.split("\n")
    assert (head, tail) == ("START", "xxEND")
    assert marker == f"[... {len(output) - 10} characters cut ...]"


def test_an_odd_limit_gives_the_extra_character_to_the_end() -> None:
    head, _, tail = _clip("abcdefghij", 3).split("\n")
    assert (head, tail) == ("a", "ij")


def test_terminal_line_endings_become_plain_lines_and_the_last_newline_goes() -> None:
    outcome = _ran(ExecutionResult(APPROVED, 0, "one\r\ntwo\r\n"), 100)
    assert (outcome.ran, outcome.is_error, outcome.text) == (True, False, "one\ntwo")


def test_no_output_says_so() -> None:
    assert _ran(ExecutionResult(APPROVED, 0, ""), 100).text == "(no output)"


def test_a_non_zero_exit_is_named_after_the_output_and_is_an_error() -> None:
    outcome = _ran(ExecutionResult(APPROVED, 2, "make: *** No rule\r\n"), 100)
    assert outcome.text == "make: *** No rule\nExit code: 2"
    assert (outcome.exit_code, outcome.is_error) == (2, True)


def test_the_limit_applies_to_the_output_alone() -> None:
    outcome = _ran(ExecutionResult(APPROVED, 1, "a" * 50 + "\r\n"), 10)
    assert outcome.text == "aaaaa\n[... 41 characters cut ...]\naaaa\nExit code: 1"


def test_an_edit_and_reviewer_notes_come_before_the_output() -> None:
    edited = make_decision(
        approved=True,
        decision="approved",
        reviewer="alice",
        notes="dry run first",
        edited=True,
        command="make -n",
        original_command="make",
    )
    outcome = _ran(ExecutionResult(edited, 0, "gcc main.c\r\n"), 100)
    assert outcome.command == "make -n"
    assert outcome.text == (
        "A reviewer edited the command before approving it; ran: make -n\n"
        "Reviewer notes: dry run first\n"
        "gcc main.c"
    )


@pytest.mark.parametrize(
    ("error", "text"),
    [
        pytest.param(
            CommandDeniedException(make_decision(notes="not on a Friday")),
            "The command was denied by bob and did not run: rm -rf /srv. Reason: not on a Friday",
            id="denied",
        ),
        pytest.param(
            CommandDeniedException(make_decision(notes=None)),
            "The command was denied by bob and did not run: rm -rf /srv. No reason was given.",
            id="denied-without-a-reason",
        ),
        pytest.param(
            CommandDeniedException(
                make_decision(decision="cancelled", reviewer=None, notes="agent went away")
            ),
            "The command was cancelled and did not run: rm -rf /srv. Reason: agent went away",
            id="cancelled",
        ),
        pytest.param(
            CommandTimeoutException(
                "rm -rf /srv", make_decision(decision="timed_out", reviewer=None, notes=None)
            ),
            "No reviewer decided in time, so the command did not run: rm -rf /srv. It may be "
            "asked again later, or done another way.",
            id="timed-out-on-the-server",
        ),
        pytest.param(
            CommandTimeoutException("rm -rf /srv"),
            "No reviewer decided in time, so the command did not run: rm -rf /srv. It may be "
            "asked again later, or done another way.",
            id="timed-out-in-the-client",
        ),
        pytest.param(
            ExpactiConnectionError("could not connect to ws://gate/shell/ws"),
            "The approval gate could not decide (could not connect to ws://gate/shell/ws), so "
            "the command did not run: rm -rf /srv.",
            id="undecided",
        ),
        pytest.param(
            ValueError("the submit frame is 2000 bytes; the server accepts 1024"),
            "The command was not submitted for approval (the submit frame is 2000 bytes; the "
            "server accepts 1024) and did not run.",
            id="not-submitted",
        ),
        pytest.param(
            FileNotFoundError(2, "No such file or directory"),
            "The command was approved but could not start ([Errno 2] No such file or "
            "directory), so it did not run: rm -rf /srv.",
            id="could-not-start",
        ),
    ],
)
def test_every_way_of_not_running_is_told_and_is_an_error(error: Exception, text: str) -> None:
    outcome = _did_not_run("rm -rf /srv", error)
    assert (outcome.ran, outcome.is_error, outcome.text) == (False, True, text)


def test_the_agents_credentials_are_not_in_a_commands_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in AGENT_CREDENTIALS:
        monkeypatch.setenv(name, "secret")
    monkeypatch.setenv("EXPACTI_TIMEOUT", "60")
    environment = command_environment()
    assert AGENT_CREDENTIALS.isdisjoint(environment)
    assert environment["EXPACTI_TIMEOUT"] == "60"  # only the credentials go
    assert environment["PATH"] == os.environ["PATH"]


async def _on_both_clients(peer: Peer, *commands: str) -> list[ToolOutcome]:
    """Each command in turn through the async client, then through the blocking one."""
    outcomes = []
    async with AsyncExpactiClient(peer.url, TOKEN, **FAST) as client:
        outcomes += [await execute_for_model(client, command) for command in commands]
    with ExpactiClient(peer.url, TOKEN, **FAST) as blocking:
        for command in commands:
            outcomes.append(await asyncio.to_thread(execute_for_model_sync, blocking, command))
    return outcomes


async def test_an_approved_command_cannot_read_the_agents_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EXPACTI_TOKEN", "agt_the_secret_token")
    monkeypatch.setenv("EXPACTI_URL", "wss://gate.example/shell/ws")
    monkeypatch.setenv("DEPLOY_ENV", "staging")
    async with (
        fake_server(approve_and_record()) as peer,
        AsyncExpactiClient(peer.url, TOKEN, **FAST) as client,
    ):
        outcome = await execute_for_model(client, "env")

    assert outcome.ran
    assert "DEPLOY_ENV=staging" in outcome.text  # the rest of the environment is there
    assert "agt_the_secret_token" not in outcome.text
    assert "EXPACTI_URL" not in outcome.text


async def test_a_command_too_large_to_submit_is_told_and_never_reaches_the_server() -> None:
    hello = {**HELLO, "limits": {**HELLO["limits"], "max_frame_bytes": 1024}}
    large = "echo " + "x" * 2000
    async with fake_server(approve_and_record(), hello=hello) as peer:
        # "true" first: by then the client has read the server's hello, and knows its limit
        # (on a brand-new connection the submit may go out before that; the server then
        # closes the connection and the outcome is that the gate could not decide).
        outcomes = await _on_both_clients(peer, "true", large)

    assert [submit["command"] for submit in peer.submits] == ["true", "true"]
    for outcome in outcomes[1::2]:
        assert (outcome.ran, outcome.is_error) == (False, True)
        assert outcome.text.startswith(
            "The command was not submitted for approval (the submit frame is"
        )
        assert outcome.text.endswith("the server accepts 1024) and did not run.")


async def test_an_approved_command_that_cannot_start_is_told_it_did_not_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(_pty, "SHELL", str(tmp_path / "no-shell-here"))  # a host without sh
    async with fake_server(approve_and_record()) as peer:
        outcomes = await _on_both_clients(peer, "make")

    assert [submit["command"] for submit in peer.submits] == ["make", "make"]  # approved
    for outcome in outcomes:
        assert (outcome.ran, outcome.is_error) == (False, True)
        assert outcome.text.startswith("The command was approved but could not start (")
        assert outcome.text.endswith("), so it did not run: make.")
