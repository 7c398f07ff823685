"""The ``expacti`` command: run a command only after a human approved it.

    expacti run [--url URL] [--token TOKEN] [--target T] [--timeout S] -- CMD ARGS...
    expacti oversight [--url URL] [--token TOKEN] [--json]

``run`` exit status: the command's own once it ran (128+N if killed by signal N; 126 not
executable and 127 not found, from the shell); 2 usage error (including a command too large
for the server); 124 no decision in time; 125 expacti failed (connection, token, protocol);
126 denied or cancelled; 130 interrupted before the command ran. The approved command line
(``shlex.join`` of the argv, or a reviewer's edit of it) runs with ``/bin/sh -c`` in a
pseudo-terminal, recorded by the server (``AsyncExpactiClient.execute``); see ``_console``
for how the user's terminal is connected to it.

``oversight`` prints whether a reviewer who may decide is online: exit status 0 when one
is, 3 when none is, 125 when expacti failed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Sequence
from typing import Any, Final

from ._client import ExpactiClient
from ._errors import CommandDeniedException, CommandTimeoutException, ExpactiError
from ._execution import Execution, ExecutionResult, exit_status
from ._oversight import Oversight, WorkingHours
from ._version import __version__

__all__ = ["describe_oversight", "exit_status", "failure", "main", "oversight_json"]

EXIT_USAGE: Final = 2
EXIT_UNAVAILABLE: Final = 3
EXIT_TIMEOUT: Final = 124
EXIT_FAILED: Final = 125
EXIT_DENIED: Final = 126
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
    try:
        from ._console import Console  # POSIX only: termios
    except ImportError:
        _say("expacti run needs a POSIX system: commands run in a pseudo-terminal")
        return EXIT_FAILED
    started = False
    result: ExecutionResult | None = None
    console = Console()

    def on_start(execution: Execution) -> None:
        nonlocal started
        started = True
        decision = execution.decision
        if decision.edited:
            # Never the original after an edit: the reviewer approved this command line.
            _say(f"edited by {decision.reviewer or 'a reviewer'}: {decision.command}")
        console.attach(execution)

    try:
        with client:
            cols, rows = console.size()
            with console:
                result = client.execute(
                    shlex.join(command),
                    target=args.target,
                    timeout=args.timeout,
                    cols=cols,
                    rows=rows,
                    on_output=console.show,
                    on_start=on_start,
                    keep_output=False,
                )
    except KeyboardInterrupt:
        if result is not None and result.exit_code is not None:
            return result.exit_code  # Ctrl-C while the client was closing: the command ran
        if started:  # it ran: the interrupt came between its end and its result
            _say("interrupted after the command started")
        else:
            _say("interrupted; the command was cancelled")
        return EXIT_INTERRUPTED
    except ValueError as exc:  # e.g. a command larger than the server accepts
        return _usage_error(parser, str(exc))
    except Exception as exc:  # never a traceback: every failure is one line and a status
        status, message = failure(exc)
        _say(message)
        return status
    return EXIT_FAILED if result.exit_code is None else result.exit_code


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
        description="Ask the expacti server for approval, then run the command line "
        "(or a reviewer's edit of it) with /bin/sh -c in a pseudo-terminal; the server "
        "records what it shows.",
        epilog="exit status: the command's own; 2 usage error, 124 timed out, "
        "125 expacti failed, 126 denied or cancelled, 130 interrupted before the "
        "command ran",
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
