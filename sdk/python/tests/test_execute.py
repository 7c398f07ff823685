"""execute(): approval, then the approved command in a real PTY, streamed to a scripted peer.

No test waits for a duration: commands that must pause wait for input (``read``), and the
test types it when the peer or ``on_output`` saw what it waits for.
"""

from __future__ import annotations

import asyncio
import shlex
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection

from expacti import (
    AsyncExpactiClient,
    CommandDeniedException,
    CommandTimeoutException,
    Execution,
    ExecutionResult,
    ExpactiClient,
    _pending,
)
from peer import (
    TOKEN,
    Peer,
    ack_execution,
    approve_and_record,
    decision,
    exec_ack,
    fake_server,
    send,
)

FAST: dict[str, Any] = {"max_backoff": 0.02, "reconnect_timeout": 2.0, "connect_timeout": 1.0}


def client(peer: Peer, **options: Any) -> AsyncExpactiClient:
    return AsyncExpactiClient(peer.url, TOKEN, **{**FAST, **options})


class Typist:
    """Types each reply once its prompt appeared in the output, like a person would.

    Commands turn echo off before their first prompt (``stty -echo; printf '?'``), so what
    is typed after a prompt never shows up in the output.
    """

    def __init__(self, *answers: tuple[str, str | None]) -> None:
        self.answers = list(answers)
        self.pending = ""
        self.execution: Execution | None = None
        self.seen: list[str] = []
        self.prompted = asyncio.Event()  # a reply of None: the test types itself

    def start(self, execution: Execution) -> None:
        self.execution = execution

    def output(self, text: str) -> None:
        assert self.execution is not None
        self.seen.append(text)
        self.pending += text
        while self.answers and self.answers[0][0] in self.pending:
            prompt, reply = self.answers.pop(0)
            self.pending = self.pending.split(prompt, 1)[1]
            if reply is None:
                self.prompted.set()
            else:
                self.execution.write(reply)

    def options(self) -> dict[str, Any]:
        return {"on_start": self.start, "on_output": self.output}


async def execute(command: str, **options: Any) -> tuple[ExecutionResult, Peer]:
    """Approve ``command``, execute it and acknowledge everything; the result and the peer."""
    async with fake_server(approve_and_record()) as peer, client(peer) as c:
        result = await c.execute(command, **options)
    return result, peer


# -- the frames ----------------------------------------------------------------------------


async def test_an_approved_command_runs_in_a_pty_and_every_frame_is_acknowledged() -> None:
    seen: list[str] = []
    result, peer = await execute("printf 'hello\\n'; test -t 0 && exit 3", on_output=seen.append)
    assert result.exit_code == 3  # stdin is a terminal
    assert result.output == "hello\r\n" == "".join(seen) == peer.output()
    assert (result.recording_id, result.recorded) == ("rec_1", True)
    start, *outputs, end = peer.exec_frames
    assert start == {"type": "exec_start", "command_id": "cmd_1", "cols": 80, "rows": 24}
    assert [f["seq"] for f in outputs] == list(range(1, len(outputs) + 1))
    assert all(f["type"] == "exec_output" and f["dropped_bytes"] == 0 for f in outputs)
    assert all(t >= 0 for f in outputs for t, _, _ in f["events"])
    assert end["type"] == "exec_end"
    assert (end["seq"], end["exit_code"]) == (len(outputs) + 1, 3)
    assert end["duration"] >= 0
    assert peer.received.index(start) > peer.received.index(peer.submits[0])


async def test_colours_and_carriage_return_progress_pass_through_byte_identical() -> None:
    command = (
        "printf '\\033[1;32mOK\\033[0m \\342\\234\\223\\n'; "
        "for i in 1 2 3; do printf '\\r[%s%%] \\033[7m \\033[0m' $i; done; printf '\\n'"
    )
    result, peer = await execute(command)
    expected = "\x1b[1;32mOK\x1b[0m ✓\r\n" + "".join(f"\r[{i}%] \x1b[7m \x1b[0m" for i in (1, 2, 3))
    assert result.output == expected + "\r\n"
    assert peer.output() == result.output


@pytest.mark.parametrize(
    ("command", "status"),
    [("true", 0), ("exit 7", 7), ("kill -TERM $$", 143), ("kill -KILL $$", 137)],
)
async def test_exit_codes_including_signals_as_128_plus_n(command: str, status: int) -> None:
    result, peer = await execute(command)
    assert result.exit_code == status
    assert peer.exec_frames[-1]["exit_code"] == status


async def test_not_found_is_the_shells_127() -> None:
    result, _ = await execute("no-such-command-expacti-test")
    assert result.exit_code == 127
    assert "not found" in result.output


async def test_cwd_env_size_and_input() -> None:
    command = 'stty size; pwd; printf \'%s|%s\\n\' "$GREETING" "$TERM"; read line; echo got=$line'
    result, _ = await execute(
        command, cols=132, rows=40, cwd="/", env={"GREETING": "hi"}, input="yes\n"
    )
    lines = result.output.split("\r\n")
    assert [line for line in lines if line != "yes"] == [  # the echo: whenever it came
        "40 132",
        "/",
        "hi|xterm-256color",
        "got=yes",
        "",
    ]


async def test_a_command_that_cannot_start_raises_and_sends_nothing(tmp_path: Path) -> None:
    async with fake_server(approve_and_record()) as peer, client(peer) as c:
        with pytest.raises(OSError):  # noqa: PT011 - whichever the OS says
            await c.execute("true", cwd=tmp_path / "missing")
    assert peer.exec_frames == []


@pytest.mark.parametrize(("cols", "rows"), [(0, 24), (80, 0), (1001, 24), (True, 24)])
async def test_a_bad_size_is_refused_before_anything_is_asked(cols: Any, rows: Any) -> None:
    async with fake_server(approve_and_record()) as peer, client(peer) as c:
        with pytest.raises(ValueError, match="must be an integer from 1 to 1000"):
            await c.execute("true", cols=cols, rows=rows)
    assert peer.received == []


# -- approval --------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["denied", "cancelled"])
async def test_a_denied_command_never_runs(state: str, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    script = approve_and_record(state=state)
    async with fake_server(script) as peer, client(peer) as c:
        with pytest.raises(CommandDeniedException):
            await c.execute(f"touch {marker}")
        result = await c.execute(f"touch {marker}", raise_on_deny=False)
    assert (result.exit_code, result.output, result.recording_id) == (None, "", None)
    assert (result.decision.decision, result.recorded) == (state, False)
    assert not marker.exists()
    assert peer.exec_frames == []


async def test_a_timed_out_command_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    async with fake_server(approve_and_record(state="timed_out")) as peer, client(peer) as c:
        with pytest.raises(CommandTimeoutException):
            await c.execute(f"touch {marker}")
        result = await c.execute(f"touch {marker}", raise_on_deny=False)
    assert result.exit_code is None
    assert not marker.exists()
    assert peer.exec_frames == []


async def test_the_edited_command_runs_never_the_original(tmp_path: Path) -> None:
    original, edited = tmp_path / "original", tmp_path / "edited"
    line = f"touch {shlex.quote(str(edited))} && echo edited"
    starts: list[Execution] = []
    script = approve_and_record(command=line, edited=True, approvers=["alice"])
    async with fake_server(script) as peer, client(peer) as c:
        result = await c.execute(f"touch {original}", on_start=starts.append)
    assert result.output == "edited\r\n"
    assert edited.exists()
    assert not original.exists()
    assert (result.decision.command, result.decision.edited) == (line, True)
    assert starts[0].decision.command == line
    assert peer.submits[0]["command"] == f"touch {original}"


async def test_run_arguments_reach_the_submit_and_on_progress() -> None:
    async with fake_server(approve_and_record()) as peer, client(peer) as c:
        await c.execute(
            "true", target="prod", timeout=30, context={"ticket": "OPS-7"}, on_progress=print
        )
    [submit] = peer.submits
    assert (submit["target"], submit["timeout_seconds"], submit["context"]) == (
        "prod",
        30,
        {"ticket": "OPS-7"},
    )


async def test_an_encrypted_commands_output_is_never_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def envelope(self: AsyncExpactiClient, command: str) -> dict[str, Any]:
        return {"alg": "test", "sealed": True}

    monkeypatch.setattr(AsyncExpactiClient, "_encrypt", envelope)
    result, peer = await execute("echo secret", encrypt=True, label="a secret")
    assert result.output == "secret\r\n"  # the agent sees it
    assert peer.submits[0]["command"] == "a secret"
    assert [f["type"] for f in peer.exec_frames] == ["exec_start", "exec_end"]
    assert peer.exec_frames[-1]["seq"] == 1
    assert result.recorded


# -- the terminal while it runs ----------------------------------------------------------------


async def test_resize_records_an_r_event_and_the_command_sees_the_new_size() -> None:
    typist = Typist(("?", "\n"))

    def start(execution: Execution) -> None:
        typist.start(execution)
        execution.resize(100, 30)
        execution.resize(100, 30)  # unchanged: nothing more

    command = "stty -echo; printf '?'; read x; stty size"
    result, peer = await execute(command, on_start=start, on_output=typist.output)
    assert result.output == "?30 100\r\n"
    assert [event[2] for event in peer.events("r")] == ["100x30"]


async def test_resize_sends_the_command_sigwinch() -> None:
    code = (
        "import signal, sys; "
        "signal.signal(signal.SIGWINCH, lambda *_: print('winch', flush=True)); "
        "sys.stdout.write('?\\n'); sys.stdout.flush(); sys.stdin.readline()"
    )
    typist = Typist(("?", None), ("winch", "\n"))

    seen: list[str] = []

    def output(text: str) -> None:
        typist.output(text)
        seen.append(text)
        # Resize once the whole prompt line is out, so "winch" cannot land inside it.
        prompt_done = "".join(seen).endswith("?\r\n")
        if prompt_done and typist.execution and typist.execution.size == (80, 24):
            typist.execution.resize(81, 25)

    command = shlex.join(["stty", "-echo"]) + "; " + shlex.join([sys.executable, "-c", code])
    result, _ = await execute(command, on_start=typist.start, on_output=output)
    assert (result.exit_code, result.output) == (0, "?\r\nwinch\r\n")


async def test_resize_from_another_thread_reaches_the_command() -> None:
    typist = Typist(("?", None))

    def other_thread(execution: Execution, loop: asyncio.AbstractEventLoop) -> None:
        asyncio.run_coroutine_threadsafe(typist.prompted.wait(), loop).result()
        execution.resize(90, 20)
        execution.write(b"\n")

    async with fake_server(approve_and_record()) as peer, client(peer) as c:
        loop = asyncio.get_running_loop()

        def start(execution: Execution) -> None:
            typist.start(execution)
            threading.Thread(target=other_thread, args=(execution, loop)).start()

        command = "stty -echo; printf '?'; read x; stty size"
        result = await c.execute(command, on_start=start, on_output=typist.output)
    assert result.output == "?20 90\r\n"
    assert [event[2] for event in peer.events("r")] == ["90x20"]
    handle = typist.execution
    assert handle is not None
    assert (handle.size, handle.running, handle.command_id) == ((90, 20), False, "cmd_1")
    handle.resize(10, 10)  # after the end: does nothing
    handle.write("late")
    handle.send_signal(signal.SIGTERM)


async def test_utf8_split_across_reads_is_never_broken() -> None:
    # "é" is \303\251: the first byte comes with "a", the second only once the test
    # answered the prompt, so two reads split the character.
    typist = Typist(("a", "\n"))
    command = "stty -echo; printf 'a\\303'; read x; printf '\\251b\\n'"
    result, peer = await execute(command, **typist.options())
    assert result.output == "aéb\r\n" == "".join(typist.seen) == peer.output()
    assert typist.seen[0] == "a"  # the lone first byte waited in the decoder


async def test_invalid_utf8_becomes_the_replacement_character() -> None:
    result, peer = await execute("printf 'x\\377y\\303'")
    assert result.output == "x\ufffdy\ufffd"  # the cut-off character at the end too
    assert peer.output() == result.output


async def test_input_is_not_recorded_unless_the_server_asks() -> None:
    result, peer = await execute("read x; echo ok", input="typed\n")
    assert result.output.endswith("ok\r\n")
    assert peer.events("i") == []


async def test_input_is_recorded_when_the_server_asks() -> None:
    handle: list[Execution] = []

    async def capture(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, decision(submit))
        start = await peer.recv(ws)
        await send(ws, exec_ack(start, capture_input=True))
        handle[0].write("later\n")  # before or after the client read the ack: recorded
        await ack_execution(peer, ws)

    command = 'read x; read y; echo "=$x $y"'
    async with fake_server(capture) as peer, client(peer) as c:
        # "early" is typed at the start, before the server said whether it records input.
        result = await c.execute(command, input="early\n", on_start=handle.append)
    assert result.output.endswith("=early later\r\n")
    assert [event[2] for event in peer.events("i")] == ["early\n", "later\n"]


async def test_a_raising_on_output_or_on_start_does_not_stop_the_command(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(value: object) -> None:
        raise RuntimeError("a bug in the agent's callback")

    result, _ = await execute("echo a; echo b", on_output=broken, on_start=broken)
    assert (result.exit_code, result.output) == (0, "a\r\nb\r\n")
    logged = [r.getMessage() for r in caplog.records if "callback raised" in r.getMessage()]
    assert logged == [  # on_output: once, however often it raised
        "the on_start callback raised; the command goes on",
        "the on_output callback raised; the command goes on",
    ]


async def test_keep_output_false_returns_no_output_but_streams_it() -> None:
    seen: list[str] = []
    result, peer = await execute("echo a", keep_output=False, on_output=seen.append)
    assert (result.output, "".join(seen), peer.output()) == ("", "a\r\n", "a\r\n")


async def test_cancelling_execute_kills_the_command_and_ends_the_recording() -> None:
    up = asyncio.Event()
    async with fake_server(approve_and_record()) as peer, client(peer) as c:
        task = asyncio.create_task(
            c.execute("echo up; exec sleep 600", on_output=lambda text: up.set())
        )
        await up.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await peer.got_exec_end.wait()
    assert peer.exec_frames[-1]["exit_code"] == 137


# -- the server's side: acks, reconnects, the buffer -----------------------------------------


async def test_unacknowledged_frames_are_resent_after_a_reconnect_and_acked_ones_never() -> None:
    typist = Typist(("one", None))

    def type_return() -> None:
        assert typist.execution is not None
        typist.execution.write("\n")

    async def script(peer: Peer, ws: ServerConnection) -> None:
        if peer.connections == 1:
            submit = await peer.recv(ws)
            await send(ws, decision(submit))
            start = await peer.recv(ws)
            await send(ws, exec_ack(start))
            first = await peer.recv(ws)  # "one" (echo is off before it)
            await send(ws, exec_ack(first))
            type_return()
            await peer.recv(ws)  # "two": lost with the connection, never acked
            await ws.close()
            return
        start = await peer.recv(ws)
        await send(ws, exec_ack(start, seq=1))  # the server stored up to 1
        resent = await peer.recv(ws)
        await send(ws, exec_ack(resent))
        type_return()
        await ack_execution(peer, ws)

    command = "stty -echo; printf one; read x; printf two; read y; printf three"
    async with fake_server(script) as peer, client(peer) as c:
        result = await c.execute(command, **typist.options())
    assert result.output == "onetwothree"
    assert peer.output() == result.output  # stored once each, in order
    assert peer.connections == 2
    second = peer.exec_frames[3:]  # after exec_start, "one", "two" on the first connection
    assert second[0]["type"] == "exec_start"
    assert [f["seq"] for f in second[1:]] == [2, 3, 4]  # "two" again; "one" never
    assert second[1] == peer.exec_frames[2]  # resent byte for byte
    assert result.recorded


async def test_output_while_the_server_is_unreachable_is_bounded_and_the_loss_reported() -> None:
    total = 300_000
    offline = asyncio.Event()
    everything_seen = asyncio.Event()
    typist = Typist(("?", None))

    async def script(peer: Peer, ws: ServerConnection) -> None:
        if peer.connections == 1:
            submit = await peer.recv(ws)
            await send(ws, decision(submit))
            await peer.recv(ws)  # exec_start, never acked
            peer.refuse = 503  # the server is down
            await ws.close()
            offline.set()
            return
        await ack_execution(peer, ws)

    def on_output(text: str) -> None:
        typist.output(text)
        if sum(map(len, typist.seen)) > total:
            everything_seen.set()

    command = f"stty -echo; printf '?'; read go; head -c {total} /dev/zero | tr '\\0' x; read x"
    async with (
        fake_server(script) as peer,
        client(peer, output_buffer_bytes=40_000) as c,
    ):
        running = asyncio.create_task(
            c.execute(command, on_start=typist.start, on_output=on_output)
        )
        await asyncio.gather(offline.wait(), typist.prompted.wait())
        assert typist.execution is not None
        typist.execution.write("go\n")
        await everything_seen.wait()
        peer.refuse = None  # back up
        typist.execution.write("done\n")
        result = await running
    assert result.exit_code == 0
    assert result.output == "?" + "x" * total
    stored = peer.stored()
    dropped = sum(f.get("dropped_bytes", 0) for f in stored)
    assert dropped > 0
    assert len(peer.output().encode()) + dropped == len(result.output.encode())
    assert result.output.endswith(peer.output()[-30_000:])  # the newest output survived
    assert sum(len(f) for f in map(str, stored)) < 200_000  # what was kept was bounded
    assert result.recording_id == "rec_1"
    assert result.recorded is False  # some was lost
    assert stored[-1]["type"] == "exec_end"


async def test_execute_returns_when_the_server_never_acknowledges() -> None:
    async def silent(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, decision(submit))
        while True:
            await peer.recv(ws)

    async with fake_server(silent) as peer, client(peer, output_ack_timeout=0.05) as c:
        result = await c.execute("echo done")
    assert (result.exit_code, result.output) == (0, "done\r\n")
    assert (result.recording_id, result.recorded) == (None, False)


async def test_a_refused_execution_stops_streaming_but_not_the_command(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def refuse(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, decision(submit))
        start = await peer.recv(ws)
        error = {"type": "error", "code": "not_approved", "message": "not approved"}
        await send(ws, error | {"details": {"command_id": start["command_id"]}})
        while True:
            await peer.recv(ws)

    async with fake_server(refuse) as peer, client(peer) as c:
        result = await c.execute("echo still ran")
    assert (result.exit_code, result.output, result.recorded) == (0, "still ran\r\n", False)
    assert "not_approved" in caplog.text


async def test_a_server_without_executions_stops_the_streaming_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def older_server(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, decision(submit))
        while True:
            await peer.recv(ws)
            error = {"type": "error", "code": "unknown_frame_type", "message": "unknown"}
            await send(ws, error)

    # Waiting for acks that never come would take the whole output_ack_timeout.
    async with fake_server(older_server) as peer, client(peer, output_ack_timeout=600) as c:
        result = await c.execute("echo ran")
    assert (result.exit_code, result.output, result.recorded) == (0, "ran\r\n", False)
    assert "unknown_frame_type" in caplog.text


async def test_unavailable_starts_the_execution_over() -> None:
    async def flaky(peer: Peer, ws: ServerConnection) -> None:
        submit = await peer.recv(ws)
        await send(ws, decision(submit))
        start = await peer.recv(ws)
        error = {"type": "error", "code": "unavailable", "message": "try again"}
        await send(ws, error | {"details": {"command_id": start["command_id"]}})
        await ack_execution(peer, ws)

    async with fake_server(flaky) as peer, client(peer) as c:
        result = await c.execute("echo x")
    assert [f["type"] for f in peer.exec_frames].count("exec_start") == 2
    assert result.recorded
    assert peer.output() == "x\r\n"


# -- the blocking client and sessions ---------------------------------------------------------


async def test_the_blocking_client_executes_too() -> None:
    def agent(url: str) -> ExecutionResult:
        with ExpactiClient(url=url, token=TOKEN) as blocking:
            return blocking.execute("echo sync", cols=50, rows=10)

    async with fake_server(approve_and_record()) as peer:
        result = await asyncio.to_thread(agent, peer.url)
    assert (result.exit_code, result.output) == (0, "sync\r\n")
    assert peer.exec_frames[0]["cols"] == 50


async def test_session_execute_sends_the_session() -> None:
    async with (
        fake_server(approve_and_record()) as peer,
        client(peer) as c,
        c.session(goal="ship it", steps=["build", "test"]) as s,
    ):
        result = await s.execute("echo built", step="test")
    assert result.output == "built\r\n"
    assert peer.submits[0]["session"]["current_step"] == 1
    assert peer.received[-1]["type"] == "session_end"


async def test_blocking_session_execute() -> None:
    def agent(url: str) -> ExecutionResult:
        with ExpactiClient(url=url, token=TOKEN) as blocking, blocking.session(goal="g") as s:
            return s.execute("echo in session")

    async with fake_server(approve_and_record()) as peer:
        result = await asyncio.to_thread(agent, peer.url)
    assert result.output == "in session\r\n"
    assert peer.submits[0]["session"]["goal"] == "g"


@pytest.fixture(autouse=True)
def short_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_pending, "GRACE_SECONDS", 0.05)


@pytest.mark.parametrize(
    "options", [{"output_buffer_bytes": 0}, {"output_ack_timeout": -1.0}], ids=["buffer", "ack"]
)
def test_output_options_are_checked(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="output_buffer_bytes must be > 0"):
        AsyncExpactiClient("ws://127.0.0.1:9/shell/ws", TOKEN, **options)
