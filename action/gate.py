"""The expacti GitHub Action's two Python steps (see action.yml).

    python gate.py check   # the runner's python3: check the inputs, output the WebSocket URL
    python gate.py run     # the action's venv, the token on stdin: ask for approval, then
                           # run the approved command

Inputs arrive as INPUT_* variables mapped in action.yml's ``env:`` (a composite action gets
none of its own); ``run`` takes the server's URL from EXPACTI_URL and the token from its
standard input, never from its environment: a process's initial environment stays readable
(``/proc/PID/environ``) by every process of the same user, the approved command included.
Exit status, as ``expacti run``'s: the command's own once it ran;
2 invalid input; 124 no decision in time; 125 expacti failed (server unreachable, token
refused, the command could not start); 126 denied or cancelled; 130 the job was cancelled
before the command ran.

Kept to syntax Python 3.7 parses (see ``_workflow``).
"""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Mapping

import _inputs
from _inputs import InputError
from _workflow import annotate, append_summary, markdown_text, set_outputs

EXIT_USAGE = 2
MIN_PYTHON = (3, 11)


def main(argv: list[str]) -> int:
    if argv == ["check"]:
        return check(os.environ)
    if argv == ["run"]:
        return run(os.environ)
    sys.stderr.write("usage: gate.py check|run\n")
    return EXIT_USAGE


def check(env: Mapping[str, str]) -> int:
    """Refuse bad inputs before anything is installed; output the agent WebSocket URL."""
    try:
        if sys.version_info < MIN_PYTHON:
            raise InputError(
                f"expacti needs Python 3.11 or newer, and {sys.executable} is "
                f"{platform.python_version()}: add actions/setup-python before this step "
                "or name another interpreter in the python input"
            )
        if os.name != "posix":
            raise InputError(
                "expacti runs the command in a pseudo-terminal: use a Linux or macOS runner"
            )
        _inputs.command(env)
        _inputs.token(env.get("INPUT_SHELL_TOKEN", ""))
        _inputs.timeout(env)
        _inputs.target(env)
        _inputs.package(env)
        url = _inputs.websocket_url(_inputs.require(env, "backend_url"))
    except InputError as exc:
        return invalid(str(exc))
    if not url.startswith("wss://") and not _inputs.is_loopback(url):
        annotate(
            "warning",
            f"{url} is not encrypted: the token and the command cross the network in "
            "clear text; use the server's https:// URL",
        )
    set_outputs({"url": url})
    return 0


def run(env: Mapping[str, str]) -> int:
    """Ask for approval and run the approved command; report the outcome.

    The token is read from standard input, up to its end.
    """
    try:
        token = _inputs.token(sys.stdin.read())
        command = _inputs.command(env)
        timeout = _inputs.timeout(env)
        target = _inputs.target(env)
        url = env.get("EXPACTI_URL", "")
        if not url:
            raise InputError("no server URL: the check step did not run")
    except InputError as exc:
        return invalid(str(exc))
    # Imported only here: this needs the expacti package, which the check step has not.
    from _execute import execute
    from _report import report

    return report(execute(url=url, token=token, command=command, timeout=timeout, target=target))


def invalid(message: str) -> int:
    """Fail the step on an invalid input, before anything was sent."""
    annotate("error", message)
    append_summary(f"### expacti: invalid input\n\n{markdown_text(message)}\n")
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
