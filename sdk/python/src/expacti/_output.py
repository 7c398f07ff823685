"""An execution's terminal events on their way to the server: batched, numbered, kept until
the server acknowledged them, and never a reason for the command to wait.

The command's side (``output()``, ``resize()``, ``input()``, ``end()``) only appends to
memory and returns at once. A sender task (``send_output()``) takes frames from here to
whatever connection the client has, re-sends ``exec_start`` and everything unacknowledged
after a reconnect, and drops a frame only once its ``exec_ack`` came. When more than
``buffer_bytes`` wait, the oldest output frames are dropped and the next frame sent for the
first time says how many output bytes were lost (``dropped_bytes``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

from ._backoff import backoff_delay
from ._connection import CLOSE_TIMEOUT, Connection
from ._errors import ExpactiAuthenticationError, ExpactiConnectionError
from ._frames import (
    ErrorFrame,
    ExecAck,
    ExecEvent,
    exec_end_frame,
    exec_output_frame,
    exec_start_frame,
)

__all__ = ["FLUSH_BYTES", "FLUSH_SECONDS", "MAX_EVENTS", "OutputStream", "send_output"]

FLUSH_SECONDS: Final = 0.05
"""Output waits at most this long to be batched into a frame."""

FLUSH_BYTES: Final = 32 * 1024
"""A batch holding this many bytes of output becomes a frame at once."""

MAX_EVENTS: Final = 1000
"""The protocol's limit of events in one ``exec_output`` frame."""

_ENVELOPE_BYTES: Final = 512  # the frame's own fields around its events, with room to spare

logger = logging.getLogger("expacti")


@dataclass(slots=True, eq=False)
class _Frame:
    """One numbered frame; its text is fixed when it is first sent, for exact re-sends."""

    seq: int
    events: list[ExecEvent] | None  # None: the exec_end frame
    output_bytes: int  # UTF-8 bytes of its "o" events
    size: int  # what it holds in memory, roughly: its JSON
    end: tuple[int, float] | None = None
    text: str | None = None
    carried: int = 0  # the dropped_bytes it was sent with


class OutputStream:
    """The frames of one execution, from the command's start to the server's last ack.

    ``send=False`` (an end-to-end encrypted command): only ``exec_start`` and ``exec_end``
    are sent, never what the terminal showed.
    """

    def __init__(
        self,
        command_id: str,
        *,
        cols: int,
        rows: int,
        buffer_bytes: int,
        frame_bytes: int,
        send: bool = True,
    ) -> None:
        self.command_id = command_id
        self.send = send
        self.recording_id: str | None = None
        self.capture_input: bool | None = None
        """From the server's answer to ``exec_start``; None until it came."""
        self.failure: str | None = None
        """Why the server will take nothing more of this execution, if it refused."""
        self.retries = 0
        """``unavailable`` errors in a row: the sender waits longer before each restart."""
        self.restart = False
        """Set by an ``unavailable`` error: send ``exec_start`` and the rest again, later."""
        self.dropped_total = 0
        self._size = (cols, rows)
        self._buffer_bytes = buffer_bytes
        self._budget = max(frame_bytes - _ENVELOPE_BYTES, 1024)
        self._frames: deque[_Frame] = deque()
        self._held = 0  # sum of the waiting frames' sizes
        self._next_seq = 1
        self._acked = 0
        self._sent = 0  # the highest seq handed to the current connection
        self._end_seq: int | None = None
        self._dropped = 0  # output bytes lost and not yet reported in a frame
        # Frames dropped while in flight on the current connection: lost only if their ack
        # never comes (seq -> output bytes, and the loss they were reporting).
        self._in_flight_lost: dict[int, tuple[int, int]] = {}
        self._last_t = 0.0
        self._batch: list[ExecEvent] = []
        self._batch_size = 0
        self._batch_output = 0
        self._timer: asyncio.TimerHandle | None = None
        self._start_answered = True  # whether the current exec_start got its ack
        self._unconfirmed_input: list[ExecEvent] = []  # typed before capture_input was known
        self._unconfirmed_bytes = 0
        self._ending: tuple[int, float] | None = None  # end() came; exec_end not queued yet
        self._wake: asyncio.Future[None] | None = None
        self.settled: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        """Done once the server acknowledged ``exec_end``, or refused the execution."""

    @property
    def complete(self) -> bool:
        """Whether the server acknowledged every frame, ``exec_end`` included, losing none."""
        return (
            self._end_seq is not None
            and self._acked >= self._end_seq
            and self.failure is None
            and self.dropped_total == 0
        )

    @property
    def _newest(self) -> int:
        return self._frames[-1].seq if self._frames else 0

    @property
    def start_frame(self) -> str:
        return exec_start_frame(command_id=self.command_id, cols=self._size[0], rows=self._size[1])

    # -- the command's side: never waits -----------------------------------------------

    @property
    def _open(self) -> bool:
        return self.send and self._ending is None and self._end_seq is None

    def output(self, text: str, t: float) -> None:
        """Record what the terminal showed at ``t`` seconds."""
        if text and self._open:
            self._add((t, "o", text), output=len(text.encode()))

    def resize(self, cols: int, rows: int, t: float) -> None:
        """Record that the terminal became ``cols`` x ``rows``."""
        if self._open:
            self._add((t, "r", f"{cols}x{rows}"), output=0)

    def input(self, text: str, t: float) -> None:
        """Record what was typed, if the organisation records input (see ``capture_input``)."""
        if not text or not self._open or self.capture_input is False:
            return
        if self.capture_input:
            self._add((t, "i", text), output=0)
            return
        size = len(text.encode())
        if self._unconfirmed_bytes + size <= self._buffer_bytes:  # beyond: not recorded
            self._unconfirmed_input.append((t, "i", text))
            self._unconfirmed_bytes += size

    def end(self, exit_code: int, duration: float) -> None:
        """The command ended: the last batch, then ``exec_end``; nothing is added after.

        Input typed before the server said whether it records input is kept until it said
        so (the end is queued then), since a short command often ends before its answer.
        """
        if self._end_seq is not None or self._ending is not None:
            return
        self._ending = (exit_code, duration)
        if not self._unconfirmed_input:
            self._finish()

    def _finish(self) -> None:
        assert self._ending is not None
        exit_code, duration = self._ending
        self._flush()
        self._end_seq = self._next_seq
        self._next_seq += 1
        self._push(_Frame(self._end_seq, None, 0, 128, end=(exit_code, duration)), drop=False)

    # -- the server's side ---------------------------------------------------------------

    def connected(self) -> None:
        """A new connection: everything unacknowledged goes again, after ``exec_start``."""
        for output_bytes, carried in self._in_flight_lost.values():  # they never arrived
            self._lose(output_bytes, carried)
        self._in_flight_lost.clear()
        self._sent = self._acked
        self._start_answered = False

    def unsent(self) -> list[str]:
        """The frames not yet handed to the current connection, in seq order."""
        self._carry_loss()
        texts = []
        for frame in self._frames:
            if frame.seq > self._sent:
                texts.append(self._text(frame))
                self._sent = frame.seq
        return texts

    def acknowledged(self, ack: ExecAck) -> None:
        """Apply an ``exec_ack``: everything up to its seq is stored."""
        self.recording_id = ack.recording_id
        if not self._start_answered:  # the first ack on a connection answers exec_start
            self._start_answered = True
            self._confirm_input(ack.capture_input)
        self.retries = 0
        highest = min(ack.seq, self._next_seq - 1)
        if highest > self._acked:
            self._acked = highest
            while self._frames and self._frames[0].seq <= highest:
                self._held -= self._frames.popleft().size
            for seq in [seq for seq in self._in_flight_lost if seq <= highest]:
                del self._in_flight_lost[seq]  # it arrived after all
        if self._end_seq is not None and self._acked >= self._end_seq:
            self._settle()
        self._notify()

    def refused(self, error: ErrorFrame) -> None:
        """Apply an ``error`` frame about this execution."""
        if error.code == "unavailable":  # the server could not store it now: send again
            self.retries += 1
            self.restart = True
            self._notify()
            return
        if error.code == "output_refused":
            self.send = False  # keep exec_end going; output is not wanted
            self._frames = deque(f for f in self._frames if f.events is None)
            self._held = sum(f.size for f in self._frames)
            self._batch.clear()
            logger.warning("the server refused the output of %s", self.command_id)
            return
        self.fail(f"{error.code}: {error.message}")

    def fail(self, reason: str) -> None:
        """Give up: nothing more of this execution will reach the server."""
        if self.failure is None:
            self.failure = reason
            logger.warning("not recording the execution of %s: %s", self.command_id, reason)
        self._cancel_timer()
        self._settle()
        self._notify()

    async def changed(self, lost: asyncio.Future[None]) -> None:
        """Return when there is something to send, an ack or failure came, or ``lost``."""
        if self.failure is not None or self.restart or self._newest > self._sent:
            return
        self._wake = asyncio.get_running_loop().create_future()
        await asyncio.wait({self._wake, lost}, return_when=asyncio.FIRST_COMPLETED)

    # -- inside ----------------------------------------------------------------------------

    def _add(self, event: ExecEvent, *, output: int) -> None:
        self._last_t = max(self._last_t, event[0])
        size = len(json.dumps(event)) + 1
        if size > self._budget // 2 and len(event[2]) > 1:
            half = len(event[2]) // 2  # too large for one frame: two events
            first, second = event[2][:half], event[2][half:]
            self._add((event[0], event[1], first), output=len(first.encode()) if output else 0)
            self._add((event[0], event[1], second), output=len(second.encode()) if output else 0)
            return
        if self._batch and self._batch_size + size > self._budget:
            self._flush()
        self._batch.append(event)
        self._batch_size += size
        self._batch_output += output
        if self._batch_output >= FLUSH_BYTES or len(self._batch) >= MAX_EVENTS:
            self._flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self._flush)

    def _flush(self) -> None:
        self._cancel_timer()
        if not self._batch or self.failure is not None:
            self._batch.clear()
            self._batch_size = self._batch_output = 0
            return
        frame = _Frame(self._next_seq, self._batch, self._batch_output, self._batch_size + 128)
        self._next_seq += 1
        self._batch, self._batch_size, self._batch_output = [], 0, 0
        self._push(frame, drop=True)

    def _push(self, frame: _Frame, *, drop: bool) -> None:
        self._frames.append(frame)
        self._held += frame.size
        while drop and self._held > self._buffer_bytes and len(self._frames) > 1:
            lost = self._frames.popleft()  # the newest stays: the most recent output
            self._held -= lost.size
            if lost.seq <= self._sent:  # on its way: lost only if its ack never comes
                self._in_flight_lost[lost.seq] = (lost.output_bytes, lost.carried)
            else:
                self._lose(lost.output_bytes, lost.carried)
        self._notify()

    def _lose(self, output_bytes: int, carried: int) -> None:
        """A frame is gone: its output, and the loss it was to report, go in the next one."""
        self._dropped += output_bytes + carried
        self.dropped_total += output_bytes

    def _carry_loss(self) -> None:
        """A loss to report and only ``exec_end`` left to send: an empty output frame
        before it reports the loss (``exec_end`` was never sent, so it may move)."""
        if not self._dropped:
            return
        new = next((frame for frame in self._frames if frame.text is None), None)
        if new is None or new.end is None:
            return  # the next output frame reports it
        carrier = _Frame(new.seq, [(self._last_t, "o", "")], 0, 128)
        new.seq += 1
        self._end_seq = new.seq
        self._next_seq += 1
        self._frames.insert(self._frames.index(new), carrier)
        self._held += carrier.size

    def _text(self, frame: _Frame) -> str:
        if frame.text is None:
            if frame.end is not None:
                code, duration = frame.end
                frame.text = exec_end_frame(
                    command_id=self.command_id, seq=frame.seq, exit_code=code, duration=duration
                )
            else:
                frame.carried, self._dropped = self._dropped, 0
                frame.text = exec_output_frame(
                    command_id=self.command_id,
                    seq=frame.seq,
                    events=frame.events or [],
                    dropped_bytes=frame.carried,
                )
        return frame.text

    def _confirm_input(self, capture: bool) -> None:
        self.capture_input = capture
        held, self._unconfirmed_input, self._unconfirmed_bytes = self._unconfirmed_input, [], 0
        if capture and self.send and self._end_seq is None:
            for event in held:  # typed before the answer: recorded late, never lost
                self._add(event, output=0)
            self._batch.sort(key=lambda event: event[0])  # in time among the unsent events
        if self._ending is not None and self._end_seq is None:
            self._finish()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _settle(self) -> None:
        if not self.settled.done():
            self.settled.set_result(None)

    def _notify(self) -> None:
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)


async def send_output(
    stream: OutputStream,
    connect: Callable[[], Awaitable[Connection]],
    *,
    max_backoff: float,
) -> None:
    """Keep ``stream``'s frames flowing to the server, over every reconnect, until it settles.

    ``connect`` returns the client's open connection, reconnecting as needed; the task is
    cancelled when the execution stops waiting for the server.
    """
    while not stream.settled.done():
        try:
            conn = await connect()
        except ExpactiAuthenticationError as exc:
            stream.fail(str(exc))
            return
        except ExpactiConnectionError as exc:  # still unreachable: keep the output, try again
            logger.info("execution output of %s waits for the server: %s", stream.command_id, exc)
            continue
        await _send_until_lost(stream, conn, max_backoff)
        if conn.reader is not None and not conn.reader.done():
            # Let the reader see the close first: it may be terminal (a revoked token).
            await asyncio.wait({conn.reader}, timeout=2 * CLOSE_TIMEOUT)


async def _send_until_lost(stream: OutputStream, conn: Connection, max_backoff: float) -> None:
    """Send ``exec_start`` then every frame as it comes, until ``conn`` is lost."""
    while True:
        stream.connected()
        if not await conn.send(stream.start_frame):
            return
        while not stream.restart:
            if stream.settled.done():
                return
            for text in stream.unsent():
                if not await conn.send(text):
                    return
            if not conn.alive:
                return
            await stream.changed(conn.lost)
        stream.restart = False
        await asyncio.wait({conn.lost}, timeout=backoff_delay(stream.retries, cap=max_backoff))
        if not conn.alive:
            return
