"""The ``expacti`` command: run a command only after a human approved it.

    expacti run [--url URL] [--token TOKEN] [--target T] [--timeout S] -- CMD ARGS...
    expacti oversight [--url URL] [--token TOKEN] [--json]

``run`` exit status: the command's own once it ran (128+N if killed by signal N); 2 usage
error (including a command too large for the server); 124 no decision in time; 125 expacti
failed (connection, token, protocol); 126 denied or cancelled (or approved but not
executable); 127 approved but not found; 130 interrupted before the command ran. The argv
runs without a shell, unless a reviewer edited the command before approving: the edited
command line then runs with ``/bin/sh -c``, as the reviewer saw it.

``oversight`` prints whether a reviewer who may decide is online: exit status 0 when one
is, 3 when none is, 125 when expacti failed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import Any, Final

from ._client import ExpactiClient
from ._decision import Decision
from ._errors import CommandDeniedException, CommandTimeoutException, ExpactiError
from ._oversight import Oversight, WorkingHours
from ._version import __version__

__all__ = ["describe_oversight", "exit_status", "failure", "main", "oversight_json"]

SHELL: Final = "/bin/sh"
"""What runs a command line a reviewer edited: they approved a shell command line."""

EXIT_USAGE: Final = 2
EXIT_UNAVAILABLE: Final = 3
EXIT_TIMEOUT: Final = 124
EXIT_FAILED: Final = 125
EXIT_DENIED: Final = 126
EXIT_NOT_FOUND: Final = 127
EXIT_INTERRUPTED: Final = 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``expacti`` command with ``argv`` (default: sys.argv[1:]); return its status."""
    parser, subparsers = _parsers()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and argparse's own usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.subcommand == "run":
        return _run(args, subparsers["run"])
    if args.subcommand == "oversight":
        return _oversight(args, subparsers["oversight"])
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _client(args: argparse.Namespace, parser: argparse.ArgumentParser) -> ExpactiClient | int:
    """The client for ``--url``/``--token`` (or the environment), or the usage error status."""
    url = args.url or os.environ.get("EXPACTI_URL")
    token = args.token or os.environ.get("EXPACTI_TOKEN")
    if not url:
        return _usage_error(parser, "no server URL: pass --url or set EXPACTI_URL")
    if not token:
        return _usage_error(parser, "no agent token: pass --token or set EXPACTI_TOKEN")
    try:
        return ExpactiClient(url=url, token=token)
    except ValueError as exc:
        return _usage_error(parser, str(exc))


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    command: list[str] = args.command
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        return _usage_error(parser, "no command given, e.g.: expacti run -- ls -la")
    client = _client(args, parser)
    if isinstance(client, int):
        return client
    approved = False
    decision: Decision | None = None
    try:
        with client:
            decision = client.run(shlex.join(command), target=args.target, timeout=args.timeout)
            approved = True
    except KeyboardInterrupt:
        if approved:  # Ctrl-C while the client was closing, after the approval
            _say("interrupted after the approval; the command was not run")
        else:
            _say("interrupted; the command was cancelled")
        return EXIT_INTERRUPTED
    except ValueError as exc:  # e.g. a command larger than the server accepts
        return _usage_error(parser, str(exc))
    except Exception as exc:  # never a traceback: every failure is one line and a status
        status, message = failure(exc)
        _say(message)
        return status
    if decision is not None and decision.edited:
        # Never the original after an edit: the reviewer approved this command line.
        _say(f"edited by {decision.reviewer or 'a reviewer'}: {decision.command}")
        command = [SHELL, "-c", decision.command]
    try:
        return _execute(command)
    except KeyboardInterrupt:  # before the command started; from then on Ctrl-C is its own
        _say("interrupted after the approval; the command was not run")
        return EXIT_INTERRUPTED


def _oversight(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    client = _client(args, parser)
    if isinstance(client, int):
        return client
    try:
        with client:
            report = client.oversight()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:  # never a traceback: every failure is one line and a status
        status, message = failure(exc)
        _say(message)
        return status
    print(json.dumps(oversight_json(report)) if args.json else describe_oversight(report))
    return 0 if report.available else EXIT_UNAVAILABLE


def describe_oversight(report: Oversight) -> str:
    """The oversight report as one line, e.g. ``available: 2 of 3 reviewers online ...``."""
    head = "available" if report.available else "unavailable"
    parts = [
        f"{head}: {report.eligible_online} of {report.reviewers_online} reviewers online may "
        f"decide ({report.senior_online} senior)"
    ]
    if report.working_hours is not None:
        where = {True: "within ", False: "outside ", None: ""}[report.within_working_hours]
        parts.append(f"{where}working hours {_hours(report.working_hours)}")
    outcome = "denied" if report.timeout_action == "deny" else "escalated"
    parts.append(f"undecided commands are {outcome} after {report.timeout_seconds} s")
    return "; ".join(parts)


def oversight_json(report: Oversight) -> dict[str, Any]:
    """The oversight report in the server's JSON shape (``GET /api/v1/oversight``)."""
    hours = report.working_hours
    return {
        "available": report.available,
        "reviewers_online": report.reviewers_online,
        "eligible_online": report.eligible_online,
        "senior_online": report.senior_online,
        "within_working_hours": report.within_working_hours,
        "working_hours": None
        if hours is None
        else {
            "timezone": hours.timezone,
            "days": list(hours.days),
            "start": f"{hours.start:%H:%M}",
            "end": f"{hours.end:%H:%M}",
        },
        "timeout_seconds": report.timeout_seconds,
        "timeout_action": report.timeout_action,
        "checked_at": report.checked_at.isoformat(),
    }


_WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _hours(hours: WorkingHours) -> str:
    """``Mon-Fri 09:00-17:00 Europe/Berlin``: runs of consecutive days joined by a dash."""
    runs: list[list[int]] = []
    for day in sorted(set(hours.days)):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    days = ",".join(
        _WEEKDAYS[run[0] - 1] + (f"-{_WEEKDAYS[run[-1] - 1]}" if len(run) > 1 else "")
        for run in runs
    )
    return f"{days or 'no days'} {hours.start:%H:%M}-{hours.end:%H:%M} {hours.timezone}"


def failure(exc: BaseException) -> tuple[int, str]:
    """The exit status and one-line message for an error raised before the command ran."""
    if isinstance(exc, CommandDeniedException):
        verb = "cancelled" if exc.decision.decision == "cancelled" else "denied"
        by = f" by {exc.reviewer}" if exc.reviewer else ""
        why = f": {exc.notes}" if exc.notes else ""
        return EXIT_DENIED, f"{verb}{by}{why}"
    if isinstance(exc, CommandTimeoutException):
        if exc.decision is None:
            return EXIT_TIMEOUT, "timed out: no decision before the deadline; cancelled"
        why = exc.decision.notes or "no decision in time"
        return EXIT_TIMEOUT, f"timed out: {why}"
    if isinstance(exc, ExpactiError):
        return EXIT_FAILED, str(exc)
    return EXIT_FAILED, f"internal error: {type(exc).__name__}: {exc}"


def exit_status(returncode: int) -> int:
    """A subprocess return code as a shell exit status: killed by signal N becomes 128+N."""
    return 128 - returncode if returncode < 0 else returncode


def _execute(command: list[str]) -> int:
    """Run the approved argv with the terminal inherited; return its exit status.

    Like a shell, expacti ignores Ctrl-C while the command runs: the command gets it, and
    its status tells what happened. SIGINT stays blocked from before the command is started
    until it is ignored here, so a Ctrl-C in between can neither escape as a
    KeyboardInterrupt nor leave the command running without us; the child sets SIGINT back
    to what we were started with and unblocks it before it executes the command.
    """
    if threading.current_thread() is not threading.main_thread():
        started = _spawn(command, None)  # only the main thread handles signals
        return started if isinstance(started, int) else exit_status(started.wait())
    previous = signal.getsignal(signal.SIGINT)
    if _CAN_MASK:
        child = signal.SIG_IGN if previous == signal.SIG_IGN else signal.SIG_DFL
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            try:
                started = _spawn(command, child)
            finally:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # discards a Ctrl-C held back
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    else:  # Windows: no signal masks
        started = _spawn(command, None)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return started if isinstance(started, int) else exit_status(started.wait())
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)


_CAN_MASK: Final = hasattr(signal, "pthread_sigmask")  # not on Windows


def _spawn(command: list[str], sigint: signal.Handlers | None) -> subprocess.Popen[bytes] | int:
    """Start the argv, or say why it cannot start and return the exit status for that.

    With ``sigint``, the child sets SIGINT to it and unblocks SIGINT before it executes.
    """

    def restore_sigint() -> None:
        signal.signal(signal.SIGINT, sigint)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

    try:
        return subprocess.Popen(command, preexec_fn=None if sigint is None else restore_sigint)
    except FileNotFoundError:
        _say(f"{command[0]}: command not found")
        return EXIT_NOT_FOUND
    except OSError as exc:
        _say(f"{command[0]}: cannot execute: {exc.strerror or exc}")
        return EXIT_DENIED


def _parsers() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    parser = argparse.ArgumentParser(
        prog="expacti", description="Run a command only after a human approved it."
    )
    parser.add_argument("--version", action="version", version=f"expacti {__version__}")
    server = argparse.ArgumentParser(add_help=False)
    server.add_argument("--url", help="server WebSocket URL (default: $EXPACTI_URL)")
    server.add_argument("--token", help="agent token (default: $EXPACTI_TOKEN)")
    subcommands = parser.add_subparsers(dest="subcommand", metavar="COMMAND")
    run = subcommands.add_parser(
        "run",
        parents=[server],
        help="ask for approval, then run the command",
        description="Ask the expacti server for approval, then run CMD without a shell "
        "(a command a reviewer edited before approving runs with /bin/sh -c).",
        epilog="exit status: the command's own; 2 usage error, 124 timed out, "
        "125 expacti failed, 126 denied or cancelled, 127 command not found, "
        "130 interrupted before the command ran",
    )
    run.add_argument("--target", help="the host, cluster or environment the command is for")
    run.add_argument(
        "--timeout",
        type=_seconds,
        metavar="S",
        help="seconds a human has to decide: more than 0, at most 600 (default: the "
        "organisation's policy)",
    )
    run.add_argument("command", nargs=argparse.REMAINDER, metavar="-- CMD ARGS...")
    oversight = subcommands.add_parser(
        "oversight",
        parents=[server],
        help="is a reviewer online who may decide?",
        description="Say whether a reviewer who may decide this agent's commands is online "
        "now; check before a long unattended job.",
        epilog="exit status: 0 available, 3 unavailable, 2 usage error, 125 expacti failed",
    )
    oversight.add_argument(
        "--json", action="store_true", help="print the report as JSON instead of one line"
    )
    return parser, {"run": run, "oversight": oversight}


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 600 seconds")
    return value


def _usage_error(parser: argparse.ArgumentParser, message: str) -> int:
    parser.print_usage(sys.stderr)
    print(f"{parser.prog}: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _say(message: str) -> None:
    # Reviewer notes reach the terminal: no control characters, no second line.
    clean = "".join(ch if ch.isprintable() else " " for ch in message)
    print(f"expacti: {' '.join(clean.split())}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
