"""The ``expacti`` command: arguments, environment, and exit statuses."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection

from expacti import (
    CommandDeniedException,
    CommandTimeoutException,
    ExpactiAuthenticationError,
    ExpactiClient,
    ExpactiConnectionError,
    ExpactiProtocolError,
    __version__,
)
from expacti._cli import exit_status, failure, main
from factories import make_decision, make_oversight_report
from http_peer import http_peer
from peer import (
    TOKEN,
    Peer,
    Script,
    accepted,
    ack_execution,
    decision,
    exec_ack,
    fake_server,
    send,
    wait_for,
)

SRC = Path(__file__).resolve().parents[1] / "src"
PY = sys.executable


@pytest.fixture(autouse=True)
def no_expacti_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXPACTI_URL", raising=False)
    monkeypatch.delenv("EXPACTI_TOKEN", raising=False)


def test_missing_url_as_a_real_process() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXPACTI_")}
    env["PYTHONPATH"] = str(SRC)
    done = subprocess.run(
        [PY, "-m", "expacti._cli", "run", "--", "ls"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "no server URL: pass --url or set EXPACTI_URL" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_missing_url_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--token", TOKEN, "--", "ls"]) == 2
    assert "set EXPACTI_URL" in capsys.readouterr().err


def test_missing_token(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("EXPACTI_URL", "ws://127.0.0.1:9/shell/ws")
    assert main(["run", "--", "ls"]) == 2
    assert "set EXPACTI_TOKEN" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"expacti {__version__}\n"


def test_python_dash_m_expacti_is_the_command() -> None:
    done = subprocess.run(
        [PY, "-m", "expacti", "--version"],
        env={"PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout) == (0, f"expacti {__version__}\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "usage: expacti"),
        (["run", "--url", "ws://h/ws", "--token", TOKEN], "no command given"),
        (["run", "--url", "ws://h/ws", "--token", TOKEN, "--"], "no command given"),
        (["run", "--timeout", "0", "--", "ls"], "more than 0"),
        (["run", "--timeout", "601", "--", "ls"], "at most 600"),
        (["run", "--timeout", "soon", "--", "ls"], "not a number"),
        (["run", "--url", "http://h/ws", "--token", TOKEN, "--", "ls"], "ws:// or wss://"),
        (["launch", "--", "ls"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


DENIED = make_decision()


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (CommandDeniedException(DENIED), (126, "denied by bob: not on a Friday")),
        (CommandDeniedException(replace(DENIED, reviewer=None)), (126, "denied: not on a Friday")),
        (CommandDeniedException(replace(DENIED, notes=None)), (126, "denied by bob")),
        (CommandDeniedException(replace(DENIED, reviewer=None, notes=None)), (126, "denied")),
        (
            CommandDeniedException(
                replace(DENIED, decision="cancelled", reviewer=None, notes="agent disconnected")
            ),
            (126, "cancelled: agent disconnected"),
        ),
        (
            CommandTimeoutException(
                "ls", replace(DENIED, decision="timed_out", notes="no decision within 60 s")
            ),
            (124, "timed out: no decision within 60 s"),
        ),
        (
            CommandTimeoutException("ls"),
            (124, "timed out: no decision before the deadline; cancelled"),
        ),
        (ExpactiConnectionError("could not connect"), (125, "could not connect")),
        (ExpactiAuthenticationError("refused", status_code=401), (125, "refused")),
        (ExpactiProtocolError("bad frame", code="invalid_frame"), (125, "bad frame")),
        (RuntimeError("bug"), (125, "internal error: RuntimeError: bug")),
    ],
)
def test_failure_maps_errors_to_exit_statuses(exc: Exception, expected: tuple[int, str]) -> None:
    assert failure(exc) == expected


@pytest.mark.parametrize(
    ("returncode", "status"), [(0, 0), (3, 3), (255, 255), (-9, 137), (-15, 143)]
)
def test_exit_status(returncode: int, status: int) -> None:
    assert exit_status(returncode) == status


# -- through a peer: the command runs only when approved --------------------------------


def script_for(state: str, **fields: Any) -> Script:
    async def script(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit))
        await send(ws, decision(submit, state, **fields))
        await ack_execution(peer, ws)

    return script


async def cli(peer: Peer, *argv: str) -> int:
    return await asyncio.to_thread(main, ["run", "--url", peer.url, "--token", TOKEN, *argv])


async def test_approved_runs_the_argv_and_returns_its_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "ran"
    code = "import pathlib, sys; pathlib.Path(sys.argv[1]).touch(); print('it ran'); sys.exit(3)"
    argv = [PY, "-c", code, str(marker), "an arg with spaces; and a ;"]
    async with fake_server(script_for("approved")) as peer:
        status = await cli(peer, "--target", "prod-eu", "--timeout", "30", "--", *argv)
    assert status == 3
    assert marker.exists()
    [submit] = peer.submits
    assert submit["command"] == shlex.join(argv)
    assert (submit["target"], submit["timeout_seconds"]) == ("prod-eu", 30)
    out = capsys.readouterr().out
    assert out == "it ran\r\n" == peer.output()  # through the command's terminal
    assert peer.exec_frames[-1]["exit_code"] == 3


@pytest.mark.skipif(not Path("/bin/sh").exists(), reason="needs /bin/sh")
async def test_an_edited_command_runs_through_sh_and_the_original_never_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original, edited = tmp_path / "original", tmp_path / "edited"
    line = f"printf 'edited run' > {shlex.quote(str(edited))} && exit 4"
    script = script_for("approved", command=line, edited=True, approvers=["alice"])
    async with fake_server(script) as peer:
        status = await cli(peer, "--", "touch", str(original))
    assert status == 4  # the shell's status: the edited command line ran
    assert edited.read_text() == "edited run"
    assert not original.exists()
    assert capsys.readouterr().err == f"expacti: edited by alice: {line}\n"
    assert peer.submits[0]["command"] == shlex.join(["touch", str(original)])


async def test_an_unedited_decision_runs_the_argv_even_if_the_server_echoes_a_command(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "ran"
    script = script_for("approved", command="something else", edited=False)
    async with fake_server(script) as peer:
        assert await cli(peer, "--", "touch", str(marker)) == 0
    assert marker.exists()


async def test_killed_by_a_signal_is_128_plus_n() -> None:
    argv = [PY, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"]
    async with fake_server(script_for("approved")) as peer:
        assert await cli(peer, "--", *argv) == 143


async def test_approved_but_not_found_is_the_shells_127(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with fake_server(script_for("approved")) as peer:
        assert await cli(peer, "--", "no-such-command-expacti-test") == 127
    out, err = capsys.readouterr()
    assert "no-such-command-expacti-test: not found" in out  # the shell says so
    assert err == ""


async def test_denied_never_runs_and_says_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "ran"
    notes = "not\x1b[2J on a\nFriday"
    async with fake_server(script_for("denied", notes=notes)) as peer:
        status = await cli(peer, "--", "touch", str(marker))
    assert status == 126
    assert not marker.exists()
    assert capsys.readouterr().err == "expacti: denied by alice: not [2J on a Friday\n"


async def test_timed_out_is_124(capsys: pytest.CaptureFixture[str]) -> None:
    script = script_for("timed_out", notes="no decision within 60 s")
    async with fake_server(script) as peer:
        assert await cli(peer, "--", "ls") == 124
    assert capsys.readouterr().err == "expacti: timed out: no decision within 60 s\n"


async def test_refused_token_is_125(capsys: pytest.CaptureFixture[str]) -> None:
    async with fake_server(script_for("approved"), refuse=401) as peer:
        assert await cli(peer, "--", "ls") == 125
    err = capsys.readouterr().err
    assert err.startswith("expacti: the server refused the token (HTTP 401")
    assert err.count("\n") == 1


async def test_error_frame_is_125(capsys: pytest.CaptureFixture[str]) -> None:
    async def refuse(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        error = {"type": "error", "code": "too_many_pending", "message": "slow down"}
        await send(ws, {**error, "request_id": submit["request_id"]})

    async with fake_server(refuse) as peer:
        assert await cli(peer, "--", "ls") == 125
    assert "too_many_pending" in capsys.readouterr().err


async def test_ctrl_c_while_waiting_cancels_on_the_server_and_exits_130() -> None:
    async def hold(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, accepted(submit))
        await peer.recv(ws)

    async with fake_server(hold) as peer:
        process = subprocess.Popen(  # noqa: ASYNC220 - starts it, the wait is in a thread
            [PY, "-m", "expacti", "run", "--url", peer.url, "--token", TOKEN, "--", "true"],
            env={"PYTHONPATH": str(SRC)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            await wait_for(peer.got_submit)
            process.send_signal(signal.SIGINT)
            out, err = await asyncio.to_thread(process.communicate, timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        await wait_for(peer.got_cancel)
    assert (process.returncode, out, err) == (
        130,
        "",
        "expacti: interrupted; the command was cancelled\n",
    )
    assert peer.received[-1]["request_id"] == peer.submits[0]["request_id"]


async def test_ctrl_c_while_closing_after_the_command_ran_exits_with_its_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_close = ExpactiClient.close

    def close_then_ctrl_c(self: ExpactiClient) -> None:
        real_close(self)
        raise KeyboardInterrupt

    monkeypatch.setattr(ExpactiClient, "close", close_then_ctrl_c)
    marker = tmp_path / "ran"
    async with fake_server(script_for("approved")) as peer:
        status = await cli(peer, "--", "sh", "-c", f"touch {marker}; exit 5")
    assert status == 5
    assert marker.exists()
    assert capsys.readouterr().err == ""


def test_a_command_too_large_for_the_server_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Refused before anything is sent: no server needed.
    argv = ["run", "--url", "ws://127.0.0.1:9/shell/ws", "--token", TOKEN, "--", "x" * 1_100_000]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "the submit frame is" in err
    assert "internal error" not in err


def test_timeout_help_says_what_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--help"]) == 0
    assert "more than 0, at most 600" in " ".join(capsys.readouterr().out.split())
    assert main(["run", "--timeout", "0.5", "--help"]) == 0  # a fraction is accepted


def expacti_process(peer: Peer, *argv: str, **options: Any) -> subprocess.Popen[bytes]:
    """``expacti run`` as a real process, its stdout and stderr piped."""
    return subprocess.Popen(
        [PY, "-m", "expacti", "run", "--url", peer.url, "--token", TOKEN, "--", *argv],
        env={"PYTHONPATH": str(SRC)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **options,
    )


async def read_until(stream: Any, wanted: bytes) -> bytes:
    """Read ``stream`` (in a thread) until ``wanted`` came; everything read."""
    seen = b""
    while wanted not in seen:
        chunk = await asyncio.to_thread(stream.read1, 4096)
        assert chunk, f"the stream ended before {wanted!r}: {seen!r}"
        seen += chunk
    return seen


async def test_ctrl_c_while_the_command_runs_is_the_commands() -> None:
    line = "trap 'echo trapped; exit 42' INT; printf '?'; while :; do sleep 1; done"
    async with fake_server(script_for("approved")) as peer:
        process = expacti_process(peer, "sh", "-c", line, stdin=subprocess.DEVNULL)
        try:
            assert process.stdout is not None
            out = await read_until(process.stdout, b"?")
            process.send_signal(signal.SIGINT)
            rest, err = await asyncio.to_thread(process.communicate, timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert (process.returncode, out + rest, err) == (42, b"?trapped\r\n", b"")
    assert peer.exec_frames[-1]["exit_code"] == 42


async def test_a_terminal_is_raw_while_the_command_runs_forwarded_resized_and_restored() -> None:
    import fcntl
    import pty
    import struct
    import termios

    def set_size(fd: int, cols: int, rows: int) -> None:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    master, slave = pty.openpty()
    set_size(slave, 100, 30)
    before = termios.tcgetattr(slave)
    resized = asyncio.Event()

    async def record(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, decision(submit))
        while True:
            frame = await peer.recv(ws)
            await send(ws, exec_ack(frame))
            if peer.events("r"):
                resized.set()

    line = "stty size; stty -echo; printf '?'; read x; stty size; echo got=$x"
    try:
        async with fake_server(record) as peer:
            process = expacti_process(peer, "sh", "-c", line, stdin=slave)
            try:
                assert process.stdout is not None
                out = await read_until(process.stdout, b"?")
                set_size(master, 120, 40)
                process.send_signal(signal.SIGWINCH)
                await resized.wait()
                os.write(master, b"hello\r")  # raw: Enter is \r, the command's terminal maps it
                rest, err = await asyncio.to_thread(process.communicate, timeout=20)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.communicate()
        assert (process.returncode, err) == (0, b"")
        assert out + rest == b"30 100\r\n?40 120\r\ngot=hello\r\n"
        assert [event[2] for event in peer.events("r")] == ["120x40"]
        assert peer.exec_frames[0]["cols"] == 100
        assert termios.tcgetattr(slave) == before  # raw mode is over
    finally:
        os.close(master)
        os.close(slave)


# -- expacti oversight ------------------------------------------------------------------


def oversight(port_url: str, *argv: str) -> int:
    return main(["oversight", "--url", port_url, "--token", TOKEN, *argv])


def test_oversight_available_is_one_line_and_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    with http_peer(200, make_oversight_report()) as peer:
        assert oversight(peer.ws_url) == 0
    out, err = capsys.readouterr()
    assert out == (
        "available: 2 of 3 reviewers online may decide (1 senior); within working hours "
        "Mon-Fri 09:00-17:30 Europe/Berlin; undecided commands are escalated after 300 s\n"
    )
    assert err == ""


def test_oversight_unavailable_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    body = make_oversight_report(
        available=False,
        eligible_online=0,
        within_working_hours=False,
        working_hours={"timezone": "UTC", "days": [1, 3, 4, 7], "start": "08:00", "end": "16:00"},
        timeout_action="deny",
    )
    with http_peer(200, body) as peer:
        assert oversight(peer.ws_url) == 3
    assert capsys.readouterr().out == (
        "unavailable: 0 of 3 reviewers online may decide (1 senior); outside working hours "
        "Mon,Wed-Thu,Sun 08:00-16:00 UTC; undecided commands are denied after 300 s\n"
    )


def test_oversight_json_has_the_servers_shape(capsys: pytest.CaptureFixture[str]) -> None:
    body = make_oversight_report(within_working_hours=None, working_hours=None)
    with http_peer(200, body) as peer:
        assert oversight(peer.ws_url, "--json") == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == body | {"checked_at": "2026-11-21T10:00:00+00:00"}


def test_oversight_failures_are_one_line_and_125(capsys: pytest.CaptureFixture[str]) -> None:
    with http_peer(401, {"error": {"code": "unauthenticated", "message": "bad token"}}) as peer:
        assert oversight(peer.ws_url) == 125
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("expacti: the server refused the token")
    assert err.count("\n") == 1


def test_oversight_needs_url_and_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["oversight", "--token", TOKEN]) == 2
    assert "set EXPACTI_URL" in capsys.readouterr().err
    monkeypatch.setenv("EXPACTI_URL", "ws://127.0.0.1:9/shell/ws")
    assert main(["oversight"]) == 2
    assert "set EXPACTI_TOKEN" in capsys.readouterr().err
