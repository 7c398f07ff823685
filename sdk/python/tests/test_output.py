"""OutputStream: batching, numbering, acknowledgements, the bounded buffer; shell_line."""

from __future__ import annotations

import json
from typing import Any

import pytest

from expacti._frames import ErrorFrame, ExecAck
from expacti._output import FLUSH_BYTES, MAX_EVENTS, OutputStream
from expacti._pty import shell_line


def stream(**options: Any) -> OutputStream:
    settings: dict[str, Any] = {
        "cols": 80,
        "rows": 24,
        "buffer_bytes": 1 << 20,
        "frame_bytes": 1 << 20,
    }
    return OutputStream("cmd_1", **(settings | options))


def sent(s: OutputStream) -> list[dict[str, Any]]:
    return [json.loads(text) for text in s.unsent()]


def ack(seq: int, *, capture_input: bool = False) -> ExecAck:
    return ExecAck("cmd_1", seq, "rec_1", capture_input)


async def test_events_are_batched_until_the_end_then_exec_end_follows() -> None:
    s = stream()
    s.connected()
    s.output("a", 0.1)
    s.resize(100, 30, 0.2)
    assert sent(s) == []  # waiting for the batch to fill or its 50 ms
    s.end(0, 1.5)
    first, end = sent(s)
    assert first == {
        "type": "exec_output",
        "command_id": "cmd_1",
        "seq": 1,
        "events": [[0.1, "o", "a"], [0.2, "r", "100x30"]],
        "dropped_bytes": 0,
    }
    assert end == {
        "type": "exec_end",
        "command_id": "cmd_1",
        "seq": 2,
        "exit_code": 0,
        "duration": 1.5,
    }
    assert sent(s) == []  # handed over once per connection
    s.output("late", 2.0)
    assert sent(s) == []  # nothing after the end


async def test_a_full_batch_becomes_a_frame_at_once() -> None:
    s = stream()
    s.connected()
    s.output("x" * FLUSH_BYTES, 0.0)
    [frame] = sent(s)
    assert frame["seq"] == 1
    for i in range(MAX_EVENTS):
        s.output("y", float(i))
    [frame] = sent(s)
    assert len(frame["events"]) == MAX_EVENTS


async def test_frames_stay_under_the_servers_limit() -> None:
    s = stream(frame_bytes=4096)
    s.connected()
    s.output("\x01" * 3000, 0.0)  # each byte escaped as \u0001: 18 000 bytes of JSON
    s.end(0, 0.0)
    texts = s.unsent()
    assert all(len(text.encode()) <= 4096 for text in texts)
    output = "".join(e[2] for t in texts[:-1] for e in json.loads(t)["events"])
    assert output == "\x01" * 3000


async def test_acknowledged_frames_are_never_sent_again() -> None:
    s = stream()
    s.connected()
    for i in range(3):
        s.output(f"chunk {i}", float(i))
        s._flush()
    assert [f["seq"] for f in sent(s)] == [1, 2, 3]
    s.acknowledged(ack(2))
    s.connected()  # a reconnect: everything unacknowledged again, in order
    assert [f["seq"] for f in sent(s)] == [3]
    assert s.recording_id == "rec_1"


async def test_a_resent_frame_is_the_same_text() -> None:
    s = stream()
    s.connected()
    s.output("a", 0.0)
    s._flush()
    first = s.unsent()
    s.connected()
    assert s.unsent() == first


async def test_when_the_buffer_overflows_the_oldest_frames_go_and_the_next_one_says_so() -> None:
    s = stream(buffer_bytes=1000)
    for i in range(10):
        s.output(chr(ord("a") + i) * 300, float(i))
        s._flush()
    s.connected()
    frames = sent(s)
    assert len(frames) < 10
    assert frames[-1]["events"][0][2] == "j" * 300  # the newest survived
    assert frames[0]["dropped_bytes"] == 300 * (10 - len(frames))
    assert [f["dropped_bytes"] for f in frames[1:]] == [0] * (len(frames) - 1)
    assert s.dropped_total == 300 * (10 - len(frames))
    s.end(0, 1.0)
    [end] = sent(s)
    s.acknowledged(ack(end["seq"]))
    assert s.settled.done()
    assert not s.complete  # output was lost


async def test_a_frame_dropped_on_its_way_counts_as_lost_only_if_its_ack_never_comes() -> None:
    s = stream(buffer_bytes=1000)
    s.connected()
    s.output("a" * 600, 0.0)
    s._flush()
    [first] = sent(s)  # on its way
    s.output("b" * 600, 1.0)
    s._flush()  # over the bound: "a" leaves the buffer
    s.acknowledged(ack(first["seq"]))  # ... but it arrived
    assert s.dropped_total == 0
    s.output("c" * 600, 2.0)
    s._flush()  # "b" was never sent: lost
    [third] = sent(s)
    assert (third["events"][0][2][0], third["dropped_bytes"]) == ("c", 600)
    s.output("d" * 600, 3.0)
    s._flush()  # "c", on its way, leaves the buffer, and the connection drops
    s.connected()
    [fourth] = sent(s)
    assert (fourth["events"][0][2][0], fourth["dropped_bytes"]) == ("d", 600 + 600)
    assert s.dropped_total == 1200


async def test_a_loss_with_only_exec_end_left_is_reported_in_an_empty_frame_before_it() -> None:
    s = stream(buffer_bytes=1000)
    s.connected()
    s.output("a" * 600, 0.5)
    s._flush()
    sent(s)  # on its way
    s.output("b" * 600, 1.0)
    s._flush()  # "a" leaves the buffer
    sent(s)
    s.end(0, 2.0)
    s.connected()  # lost before any ack: "a" is lost, "b" goes again
    frames = sent(s)
    assert [(f["type"], f["seq"]) for f in frames] == [
        ("exec_output", 2),
        ("exec_output", 3),
        ("exec_end", 4),
    ]
    assert frames[0]["dropped_bytes"] == 0  # resent as it was
    assert (frames[1]["events"], frames[1]["dropped_bytes"]) == ([[1.0, "o", ""]], 600)


async def test_exec_end_is_never_dropped() -> None:
    s = stream(buffer_bytes=10)
    s.output("x" * 100, 0.0)
    s.end(3, 1.0)
    s.connected()
    assert [f["type"] for f in sent(s)] == ["exec_output", "exec_end"]


async def test_input_waits_for_the_servers_answer_then_is_sent_or_forgotten() -> None:
    s = stream()
    s.input("early\n", 0.1)
    s.connected()
    s.acknowledged(ack(0, capture_input=True))  # the answer to exec_start
    s.input("later\n", 0.2)
    s._flush()
    [frame] = sent(s)
    assert frame["events"] == [[0.1, "i", "early\n"], [0.2, "i", "later\n"]]

    s = stream()
    s.input("secret\n", 0.1)
    s.connected()
    s.acknowledged(ack(0, capture_input=False))
    s.input("secret too\n", 0.2)
    s.end(0, 1.0)
    assert [f["type"] for f in sent(s)] == ["exec_end"]


@pytest.mark.parametrize("capture", [True, False])
async def test_a_command_that_ends_before_the_answer_waits_for_it_to_end(capture: bool) -> None:
    s = stream()
    s.output("prompt? ", 0.1)
    s.input("answer\n", 0.2)
    s.output("done\r\n", 0.3)
    s.end(0, 0.4)
    s.connected()
    assert sent(s) == []  # exec_end waits for the answer to exec_start
    s.acknowledged(ack(0, capture_input=capture))
    first, end = sent(s)
    expected = [[0.1, "o", "prompt? "], [0.3, "o", "done\r\n"]]
    if capture:
        expected.insert(1, [0.2, "i", "answer\n"])
    assert first["events"] == expected
    assert (end["type"], end["seq"]) == ("exec_end", 2)


async def test_only_the_first_ack_on_a_connection_answers_exec_start() -> None:
    s = stream()
    s.connected()
    s.acknowledged(ack(0, capture_input=True))
    s.acknowledged(ack(0, capture_input=False))  # an output ack: not about input
    assert s.capture_input is True


async def test_a_stream_that_does_not_send_output_sends_start_and_end_only() -> None:
    s = stream(send=False)
    s.connected()
    s.output("secret", 0.0)
    s.resize(10, 10, 0.1)
    s.input("typed", 0.2)
    s.end(0, 1.0)
    assert [f["type"] for f in sent(s)] == ["exec_end"]
    assert json.loads(s.start_frame) == {
        "type": "exec_start",
        "command_id": "cmd_1",
        "cols": 80,
        "rows": 24,
    }


def error(code: str) -> ErrorFrame:
    return ErrorFrame(code, code, None, {"command_id": "cmd_1"})


async def test_errors_refuse_the_output_retry_or_end_the_stream() -> None:
    s = stream()
    s.output("x", 0.0)
    s._flush()
    s.refused(error("output_refused"))
    s.output("y", 0.1)
    s.end(0, 1.0)
    s.connected()
    assert [f["type"] for f in sent(s)] == ["exec_end"]

    s = stream()
    s.refused(error("unavailable"))
    assert (s.restart, s.retries, s.failure) == (True, 1, None)
    s.acknowledged(ack(0))
    assert s.retries == 0

    s = stream()
    s.refused(error("not_approved"))
    assert s.failure == "not_approved: not_approved"
    assert s.settled.done()


@pytest.mark.parametrize(
    ("command", "line"),
    [
        ("terraform apply", "exec terraform apply"),
        ("python3 -c 'print(1)'", "exec python3 -c 'print(1)'"),
        ("/usr/bin/env ls", "exec /usr/bin/env ls"),
        ("ls  -la", "ls  -la"),  # not shlex.join's form
        ('echo "hi"', 'echo "hi"'),
        ("echo hi", "echo hi"),  # a builtin
        ("cd /srv && make", "cd /srv && make"),
        ("make; make install", "make; make install"),
        ("ls | wc -l", "ls | wc -l"),
        ("FOO=1 make", "FOO=1 make"),
        ("kill -TERM 1", "kill -TERM 1"),
        ("-x", "-x"),
        ("ls 'unterminated", "ls 'unterminated"),
        ("", ""),
    ],
)
def test_a_simple_command_is_execed_by_the_shell(command: str, line: str) -> None:
    assert shell_line(command) == line
