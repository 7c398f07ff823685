"""The user's terminal while ``expacti run`` executes a command in its own PTY.

What the command's terminal shows is written to stdout as it comes. When stdin is a
terminal it is put in raw mode (restored on the way out) and every keystroke, Ctrl-C
included, is typed into the command's terminal; otherwise the command's terminal gets one
Ctrl-D, so that a command reading input sees its end instead of waiting forever. A window
size change (SIGWINCH) resizes the command's terminal; SIGINT, SIGTERM and SIGHUP sent to
expacti are passed on to the command. POSIX only, like execution itself.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import termios
import threading
import tty
from types import FrameType, TracebackType
from typing import Any, BinaryIO, Final, Self

from ._execution import Execution

__all__ = ["Console"]

_PASSED_ON: Final = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_EOF: Final = b"\x04"
_READ_BYTES: Final = 4096
_MAX_SIDE: Final = 1000


class Console:
    """``with Console() as console: client.execute(..., on_start=console.attach,
    on_output=console.show)``; signals are handled only when entered on the main thread."""

    def __init__(self) -> None:
        self._out: BinaryIO | None = getattr(sys.stdout, "buffer", None)
        self._stdin = _fileno(sys.stdin)
        self._tty = self._stdin is not None and os.isatty(self._stdin)
        self._lock = threading.Lock()
        self._execution: Execution | None = None
        self._saved: list[Any] | None = None  # the terminal's attributes before raw mode
        self._closed = False
        self._handlers: dict[int, Any] = {}
        self._stop: tuple[int, int] | None = None
        self._forwarder: threading.Thread | None = None

    def __enter__(self) -> Self:
        if threading.current_thread() is threading.main_thread():
            for signum in _PASSED_ON:
                previous = signal.getsignal(signum)
                if previous != signal.SIG_IGN:  # under nohup, SIGHUP stays ignored
                    self._handlers[signum] = signal.signal(signum, self._pass_on)
            if hasattr(signal, "SIGWINCH"):
                self._handlers[signal.SIGWINCH] = signal.signal(signal.SIGWINCH, self._resize)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with self._lock:
            self._closed = True
            if self._saved is not None and self._stdin is not None:
                with contextlib.suppress(termios.error):
                    termios.tcsetattr(self._stdin, termios.TCSADRAIN, self._saved)
        if self._stop is not None:
            os.write(self._stop[1], b"x")
            if self._forwarder is not None:
                self._forwarder.join(timeout=1.0)
            for fd in self._stop:
                os.close(fd)
        for signum, handler in self._handlers.items():
            signal.signal(signum, handler)

    def size(self) -> tuple[int, int]:
        """The user's terminal size as ``(cols, rows)``; 80x24 without a terminal."""
        for stream in (sys.stdout, self._stdin, sys.stderr):
            fd = stream if isinstance(stream, int) else _fileno(stream)
            if fd is None:
                continue
            try:
                size = os.get_terminal_size(fd)
            except OSError:
                continue
            if size.columns > 0 and size.lines > 0:  # the protocol's limit is 1000
                return min(size.columns, _MAX_SIDE), min(size.lines, _MAX_SIDE)
        return 80, 24

    def attach(self, execution: Execution) -> None:
        """``on_start``: the command runs; connect the user's terminal to it."""
        with self._lock:
            if self._closed:
                return
            self._execution = execution
            if not self._tty or self._stdin is None:
                execution.write(_EOF)
                return
            try:
                self._saved = termios.tcgetattr(self._stdin)
                tty.setraw(self._stdin, termios.TCSANOW)
            except termios.error:
                self._saved = None
                execution.write(_EOF)
                return
            self._stop = os.pipe()
            self._forwarder = threading.Thread(
                target=_forward,
                args=(self._stdin, self._stop[0], execution),
                name="expacti-stdin",
                daemon=True,
            )
            self._forwarder.start()

    def show(self, text: str) -> None:
        """``on_output``: write what the command's terminal shows."""
        out = self._out
        if out is None:
            return
        try:
            out.write(text.encode())
            out.flush()
        except (OSError, ValueError):  # stdout is gone (a closed pipe): stop writing
            self._out = None

    def _pass_on(self, signum: int, frame: FrameType | None) -> None:
        execution = self._execution
        if execution is not None and execution.running:
            execution.send_signal(signum)
            return
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        # Before the command runs (or after), expacti ends as it would without this handler.
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    def _resize(self, signum: int, frame: FrameType | None) -> None:
        execution = self._execution
        if execution is not None and execution.running:
            execution.resize(*self.size())


def _forward(stdin: int, stop: int, execution: Execution) -> None:
    """Type what the user types into the command's terminal, until ``stop`` is readable."""
    while True:
        ready, _, _ = select.select([stdin, stop], [], [])
        if stop in ready:
            return
        data = os.read(stdin, _READ_BYTES)
        if not data:
            return
        execution.write(data)


def _fileno(stream: object) -> int | None:
    try:
        fileno = stream.fileno()  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):  # pytest's capture, a closed stream
        return None
    return fileno if isinstance(fileno, int) else None
