"""The ``expacti`` command: run a command only after a human approved it.

    expacti run [--url URL] [--token TOKEN] [--target T] [--timeout S] -- CMD ARGS...
    expacti oversight [--url URL] [--token TOKEN] [--json]
    expacti hook claude-code [--url URL] [--token TOKEN] [--target T] [--timeout S]
                             [--connect-timeout S] [--edits deny|rewrite]
    expacti mcp [--url URL] [--token TOKEN] [--target T] [--timeout S] [--connect-timeout S]

``run`` exit status: the command's own once it ran (128+N if killed by signal N; 126 not
executable and 127 not found, from the shell); 2 usage error (including a command too large
for the server); 124 no decision in time; 125 expacti failed (connection, token, protocol);
126 denied or cancelled; 130 interrupted before the command ran. The approved command line
(``shlex.join`` of the argv, or a reviewer's edit of it) runs with ``/bin/sh -c`` in a
pseudo-terminal, recorded by the server (``AsyncExpactiClient.execute``); see ``_console``
for how the user's terminal is connected to it.

``oversight`` prints whether a reviewer who may decide is online: exit status 0 when one
is, 3 when none is, 125 when expacti failed, 2 on a usage error.

``hook claude-code`` answers one Claude Code PreToolUse event from stdin with allow or deny
on stdout (``_claude_code_hook``); it exits 0 with an answer whatever happened (2, which Claude
Code also takes as "block", only for bad arguments or when stdout cannot be written): any
other status, or no answer, would let the command through.

``mcp`` serves the gated ``shell`` tool over stdio (``_mcp_server``) until the client hangs
up: exit status 0; 2 usage error; 125 expacti failed (the ``mcp`` package is missing).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import shlex
import sys
from collections.abc import Sequence
from typing import Any, Final

from . import _claude_code, _claude_code_hook
from ._async_client import AsyncExpactiClient
from ._client import ExpactiClient
from ._errors import CommandDeniedException, CommandTimeoutException, ExpactiError
from ._execution import Execution, ExecutionResult, exit_status
from ._not_run import refused_line, timed_out_line
from ._oversight import Oversight, WorkingHours
from ._pending import MAX_TIMEOUT_SECONDS
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
    if args.subcommand == "hook":
        return _hook_claude_code(args)
    if args.subcommand == "mcp":
        return _mcp(args, subparsers["mcp"])
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _credentials(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """The server URL and agent token: ``--url``/``--token``, else the environment."""
    return args.url or os.environ.get("EXPACTI_URL"), args.token or os.environ.get("EXPACTI_TOKEN")


def _required_credentials(
    args: argparse.Namespace, parser: argparse.ArgumentParser
) -> tuple[str, str] | int:
    """``_credentials``, or the usage error status when one is missing."""
    url, token = _credentials(args)
    if not url:
        return _usage_error(parser, "no server URL: pass --url or set EXPACTI_URL")
    if not token:
        return _usage_error(parser, "no agent token: pass --token or set EXPACTI_TOKEN")
    return url, token


def _client(args: argparse.Namespace, parser: argparse.ArgumentParser) -> ExpactiClient | int:
    """The client for ``--url``/``--token`` (or the environment), or the usage error status."""
    credentials = _required_credentials(args, parser)
    if isinstance(credentials, int):
        return credentials
    try:
        return ExpactiClient(*credentials)
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


def _hook_claude_code(args: argparse.Namespace) -> int:
    writer = _claude_code_hook.AnswerWriter()
    try:
        _answer_hook(args, writer)
    except BaseException as exc:  # the last resort: even a bug in the hook answers deny
        with contextlib.suppress(BaseException):
            writer(_claude_code.internal_error(exc))
    if writer.status is None:  # not even that answer could be given
        with contextlib.suppress(BaseException):
            _say("the hook could not answer; the command must not run")
        return EXIT_USAGE
    return writer.status


def _answer_hook(args: argparse.Namespace, writer: _claude_code_hook.AnswerWriter) -> None:
    try:
        timeout = _env_timeout(args.timeout, maximum=_claude_code_hook.MAX_TIMEOUT)
    except ValueError as exc:
        writer(_claude_code.deny(f"{exc}. The command did not run."))
        return
    url, token = _credentials(args)
    settings = _claude_code_hook.HookSettings(
        url=url,
        token=token,
        timeout=_claude_code_hook.DEFAULT_TIMEOUT if timeout is None else timeout,
        connect_timeout=args.connect_timeout,
        target=args.target,
        apply_edits=args.edits == "rewrite",
    )
    _claude_code_hook.answer_stdin(getattr(sys.stdin, "buffer", None), settings, on_answer=writer)


def _mcp(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    credentials = _required_credentials(args, parser)
    if isinstance(credentials, int):
        return credentials
    try:
        timeout = _env_timeout(args.timeout, maximum=MAX_TIMEOUT_SECONDS)
        client = AsyncExpactiClient(*credentials, reconnect_timeout=args.connect_timeout)
    except ValueError as exc:
        return _usage_error(parser, str(exc))
    try:
        from . import _mcp_server
    except ImportError as exc:  # says which extra to install
        print(exc, file=sys.stderr)
        return EXIT_FAILED
    # stdout carries the protocol: every log line goes to stderr.
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="expacti mcp: %(name)s: %(message)s"
    )
    try:
        asyncio.run(_mcp_server.serve(client, timeout=timeout, target=args.target))
    except KeyboardInterrupt:
        return 0
    except Exception as exc:  # never a traceback: one line and a status
        _say(f"internal error: {type(exc).__name__}: {exc}")
        return EXIT_FAILED
    return 0


def _env_timeout(given: float | None, *, maximum: float) -> float | None:
    """``--timeout``, else ``$EXPACTI_TIMEOUT``, else None; ValueError for a bad variable."""
    if given is not None:
        return given
    text = os.environ.get("EXPACTI_TIMEOUT", "").strip()
    if not text:
        return None
    try:
        return _bounded(text, maximum)
    except argparse.ArgumentTypeError as exc:
        raise ValueError(f"EXPACTI_TIMEOUT={text!r}: {exc}") from None


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
        return EXIT_DENIED, refused_line(exc.decision)
    if isinstance(exc, CommandTimeoutException):
        return EXIT_TIMEOUT, timed_out_line(exc.decision)
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
        help=f"seconds a human has to decide: more than 0, at most {MAX_TIMEOUT_SECONDS} "
        "(default: the organisation's policy)",
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
    _add_hook(subcommands, server)
    mcp = subcommands.add_parser(
        "mcp",
        parents=[server],
        help="serve a shell tool over MCP (stdio) whose commands a human approves",
        description="Serve the MCP tool 'shell' over stdin/stdout: each call is submitted "
        "for approval and runs (recorded, in a pseudo-terminal) only once approved; a "
        "denial, a timeout or an unreachable server is a tool error with the reason. Needs "
        "pip install 'expacti[mcp]'.",
        epilog="exit status: 0 when the client hung up, 2 usage error, 125 expacti failed",
    )
    mcp.add_argument("--target", help="the host, cluster or environment the commands are for")
    mcp.add_argument(
        "--timeout",
        type=_seconds,
        metavar="S",
        help="seconds a human has to decide each command: more than 0, at most "
        f"{MAX_TIMEOUT_SECONDS} (default: $EXPACTI_TIMEOUT, else the organisation's policy)",
    )
    mcp.add_argument(
        "--connect-timeout",
        type=_seconds,
        default=60.0,
        metavar="S",
        help="seconds to keep trying to reach the server before a call fails (default 60)",
    )
    return parser, {"run": run, "oversight": oversight, "mcp": mcp}


def _add_hook(subcommands: Any, server: argparse.ArgumentParser) -> None:
    hook = subcommands.add_parser(
        "hook",
        help="answer an agent's tool-use hook through the gate",
        description="Answer an agent's tool-use hook with the gate's decision.",
    )
    agents = hook.add_subparsers(dest="agent", metavar="AGENT", required=True)
    claude = agents.add_parser(
        "claude-code",
        parents=[server],
        help="Claude Code's PreToolUse hook for Bash and PowerShell commands",
        description="Read one Claude Code PreToolUse event from stdin, ask for approval of "
        "its shell command, and print allow or deny in Claude Code's hook output format. "
        "Anything but an approval is a deny with the reason; Claude Code runs the command.",
        epilog="exit status: 0 with the answer on stdout; 2 for bad arguments, or when the "
        "answer cannot be written (Claude Code then blocks the call with the message on "
        "stderr)",
    )
    claude.add_argument("--target", help="the host, cluster or environment the commands are for")
    claude.add_argument(
        "--timeout",
        type=lambda text: _bounded(text, _claude_code_hook.MAX_TIMEOUT),
        metavar="S",
        help="seconds a human has to decide: more than 0, at most "
        f"{_claude_code_hook.MAX_TIMEOUT:.0f} (default: $EXPACTI_TIMEOUT, else "
        f"{_claude_code_hook.DEFAULT_TIMEOUT:.0f}); keep Claude Code's hook timeout above it",
    )
    claude.add_argument(
        "--connect-timeout",
        type=lambda text: _bounded(text, _claude_code_hook.MAX_CONNECT_TIMEOUT),
        default=_claude_code_hook.DEFAULT_CONNECT_TIMEOUT,
        metavar="S",
        help="seconds to keep trying to reach the server before denying: at most "
        f"{_claude_code_hook.MAX_CONNECT_TIMEOUT:.0f} (default "
        f"{_claude_code_hook.DEFAULT_CONNECT_TIMEOUT:.0f})",
    )
    claude.add_argument(
        "--edits",
        choices=["deny", "rewrite"],
        default="deny",
        help="a reviewer's edit: deny the original and tell Claude the approved command to "
        "run instead (default), or rewrite the call with it (updatedInput)",
    )


def _seconds(text: str) -> float:
    return _bounded(text, MAX_TIMEOUT_SECONDS)


def _bounded(text: str, maximum: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= maximum:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most {maximum:.0f} seconds")
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
