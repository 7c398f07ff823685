"""Ask expacti for approval, then run the approved command with its output in the log.

``ExpactiClient.execute`` rather than ``expacti run``: the CLI takes an argv and submits
``shlex.join`` of it, so a workflow's shell command line would reach reviewers quoted as
one word; here reviewers see the text of the ``command`` input, exactly.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Mapping
from types import FrameType
from typing import Any

from expacti import (
    CommandDeniedException,
    CommandTimeoutException,
    Decision,
    Execution,
    ExecutionResult,
    ExpactiClient,
    ExpactiError,
)

from _report import Outcome
from _workflow import annotate, emit

__all__ = ["execute", "github_context", "job_environment"]

EXIT_USAGE = 2
EXIT_TIMEOUT = 124
EXIT_FAILED = 125
EXIT_DENIED = 126
EXIT_INTERRUPTED = 130

_EOF = b"\x04"
# Never handed to the command: the token would let an approved command ask for more.
_PRIVATE = ("EXPACTI_TOKEN", "EXPACTI_URL", "EXPACTI_ACTION_PYTHON", "ACTION_PATH")
_CONTEXT = {
    "repository": "GITHUB_REPOSITORY",
    "workflow": "GITHUB_WORKFLOW",
    "job": "GITHUB_JOB",
    "event": "GITHUB_EVENT_NAME",
    "ref": "GITHUB_REF",
    "sha": "GITHUB_SHA",
    "actor": "GITHUB_ACTOR",
    "triggering_actor": "GITHUB_TRIGGERING_ACTOR",
}
_MAX_CONTEXT_VALUE = 500


def execute(*, url: str, token: str, command: str, timeout: float, target: str | None) -> Outcome:
    """Block until a decision; run the approved command line in a pseudo-terminal.

    Handles SIGINT and SIGTERM (how the runner cancels a job) from here to the end of the
    process: before the command started, the first one cancels the wait, on the server
    too; once it started, each is passed to the command; once the outcome is known, they
    change nothing, so the step reports what happened.
    """
    terminal = _Log()
    for_target = f" for {target}" if target else ""
    _say(f"waiting up to {timeout:g} s for a reviewer to approve this command{for_target}:")
    terminal.quote(command)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, terminal.on_signal)
    try:
        try:
            with ExpactiClient(url=url, token=token) as client:
                result = client.execute(
                    command,
                    target=target,
                    timeout=timeout,
                    context=github_context(os.environ) or None,
                    env=job_environment(os.environ),
                    on_output=terminal.show,
                    on_start=terminal.start,
                    keep_output=False,
                )
        finally:
            # Inside the outer try: a signal just before this still ends as an outcome.
            terminal.settle()
    except (Exception, KeyboardInterrupt) as exc:  # never a traceback: a line and a status
        outcome = _failed(command, exc, started=terminal.execution is not None)
    else:
        if not result.recorded:
            annotate("warning", "the server did not acknowledge the whole recording of the command")
        outcome = _ran(command, result)
    terminal.end_line()
    return outcome


def github_context(env: Mapping[str, str]) -> dict[str, Any]:
    """What reviewers are shown of the workflow run asking (the submit's ``context``)."""
    github = {
        key: env[name][:_MAX_CONTEXT_VALUE] for key, name in _CONTEXT.items() if env.get(name)
    }
    server, repository, run_id = (
        env.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    if server and repository and run_id:
        github["run_url"] = f"{server}/{repository}/actions/runs/{run_id}"[:_MAX_CONTEXT_VALUE]
    return {"github": github} if github else {}


def job_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The job's environment for the command, without the action's own variables."""
    return {k: v for k, v in env.items() if k not in _PRIVATE and not k.startswith("INPUT_")}


class _Log:
    """The command's terminal as the job log shows it, and the signals the job gets."""

    def __init__(self) -> None:
        self.execution: Execution | None = None
        self._line_open = False
        self._lock = threading.Lock()
        self._stopping = False

    def start(self, execution: Execution) -> None:
        self.execution = execution
        decision = execution.decision
        if decision.whitelisted:
            _say("whitelisted; running it")
        else:
            notes = f": {decision.notes}" if decision.notes else ""
            by = decision.reviewer or "a reviewer"
            _say(f"approved by {by} after {decision.latency_ms / 1000:.1f} s{notes}")
        if decision.edited:
            editor = decision.reviewer or "a reviewer"
            annotate("notice", f"{editor} edited the command before approving it; that runs")
            self.quote(decision.command)
        # Nobody types into a CI job: a command that reads its input sees the end of it.
        execution.write(_EOF)

    def show(self, text: str) -> None:
        text = text.replace("\r\n", "\n")
        if text:
            with self._lock:
                emit(text)
                self._line_open = not text.endswith("\n")

    def end_line(self) -> None:
        with self._lock:
            if self._line_open:
                emit("\n")
                self._line_open = False

    def quote(self, command: str) -> None:
        # A prefix on every line: a line of the command starting with "::" is not a
        # workflow command for the runner.
        emit("".join(f"> {line}\n" for line in command.splitlines() or [""]))

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        execution = self.execution
        if execution is not None:
            # The runner cancels a job with SIGINT, then SIGTERM: the command may shut down
            # cleanly, and its exit status is the step's. Once it exited this does nothing,
            # and the status it exited with stays the step's.
            execution.send_signal(signum)
            return
        if self._stopping:  # already cancelling, or the outcome is known
            return
        self._stopping = True
        raise KeyboardInterrupt

    def settle(self) -> None:
        """The outcome is known: from now on a signal changes nothing."""
        self._stopping = True


def _ran(command: str, result: ExecutionResult) -> Outcome:
    decision = result.decision
    status = EXIT_FAILED if result.exit_code is None else result.exit_code
    return Outcome(
        "approved",
        status,
        command,
        f"the command exited with status {status}" if status else "",
        ran=decision.command,
        command_id=decision.command_id,
        reviewer=decision.reviewer or "",
        notes=decision.notes or "",
        latency_ms=decision.latency_ms,
        whitelisted=decision.whitelisted,
        edited=decision.edited,
        exit_code=result.exit_code,
    )


def _failed(command: str, exc: BaseException, *, started: bool) -> Outcome:
    """The outcome when ``execute()`` raised: no decision to run, or no run to finish."""
    if isinstance(exc, CommandDeniedException):
        return _denied(command, exc.decision)
    if isinstance(exc, CommandTimeoutException):
        return _timed_out(command, exc.decision)
    if isinstance(exc, KeyboardInterrupt):
        if started:
            message = "the job was cancelled while the command ran; it was killed"
        else:
            message = (
                "the job was cancelled before the command started: it did not run, and a "
                "request still waiting for a decision was cancelled"
            )
        return Outcome("cancelled", EXIT_INTERRUPTED, command, message)
    if isinstance(exc, ExpactiError):
        return Outcome("error", EXIT_FAILED, command, str(exc))
    if isinstance(exc, ValueError):  # e.g. a command larger than the server accepts
        return Outcome("error", EXIT_USAGE, command, str(exc))
    return Outcome("error", EXIT_FAILED, command, f"{type(exc).__name__}: {exc}")


def _denied(command: str, decision: Decision) -> Outcome:
    verb = "cancelled" if decision.decision == "cancelled" else "denied"
    by = f" by {decision.reviewer}" if decision.reviewer else ""
    why = f": {decision.notes}" if decision.notes else ""
    return Outcome(
        decision.decision,
        EXIT_DENIED,
        command,
        f"{verb}{by}{why}",
        command_id=decision.command_id,
        reviewer=decision.reviewer or "",
        notes=decision.notes or "",
        latency_ms=decision.latency_ms,
    )


def _timed_out(command: str, decision: Decision | None) -> Outcome:
    if decision is None:
        return Outcome(
            "timed_out",
            EXIT_TIMEOUT,
            command,
            "timed out: no decision before the deadline; the command was cancelled",
        )
    return Outcome(
        "timed_out",
        EXIT_TIMEOUT,
        command,
        f"timed out: {decision.notes or 'no decision in time'}",
        command_id=decision.command_id,
        notes=decision.notes or "",
        latency_ms=decision.latency_ms,
    )


def _say(message: str) -> None:
    # Reviewer notes reach the log: one line, no control characters, so they cannot end
    # the line and start a workflow command of their own.
    clean = "".join(ch if ch.isprintable() else " " for ch in message)
    emit(f"expacti: {' '.join(clean.split())}\n")
