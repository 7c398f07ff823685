"""Running an approved command: the ``Execution`` handle, ``ExecutionResult``, and the run.

The run ties the command's pseudo-terminal (``_pty.Terminal``) to its output stream
(``_output.OutputStream``): each chunk the terminal shows is decoded as UTF-8 incrementally,
kept for the result, handed to ``on_output`` and recorded for the server, all on the event
loop and without waiting for anything.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import inspect
import logging
import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, TypeAlias

from ._decision import Decision
from ._output import OutputStream

if TYPE_CHECKING:
    from ._pty import Terminal

__all__ = [
    "CommandRun",
    "Execution",
    "ExecutionResult",
    "OutputCallback",
    "StartCallback",
    "check_can_execute",
    "exit_status",
    "terminal_size",
]

OutputCallback: TypeAlias = Callable[[str], object]
"""``execute(on_output=...)``: called with each piece of text the command's terminal shows."""

StartCallback: TypeAlias = Callable[["Execution"], object]
"""``execute(on_start=...)``: called with the Execution once the command started."""

DEFAULT_TERM: Final = "xterm-256color"
_MAX_SIDE: Final = 1000  # the protocol's limit of a terminal's columns and rows

logger = logging.getLogger("expacti")


@dataclass(frozen=True, slots=True)
class ExecutionResult:
    """What ``execute()`` returns: the decision, and how the command it approved ran.

    ``exit_code`` is the command's exit status (128+N when killed by signal N), or None when
    it did not run (not approved, with ``raise_on_deny=False``). ``output`` is everything
    its terminal showed, decoded as UTF-8 (invalid bytes as U+FFFD), exactly what
    ``on_output`` was given and the server recorded ("" with ``keep_output=False``).
    ``recording_id`` names the server's recording (None before the server answered);
    ``recorded`` is true when the server acknowledged all of it, the end included.
    """

    decision: Decision
    exit_code: int | None
    output: str
    recording_id: str | None = None
    recorded: bool = False


class Execution:
    """An approved command running now, as ``execute(on_start=...)`` hands it over.

    Resize its terminal, type into it, or signal it while it runs; afterwards every call
    does nothing. Its methods may be called from any thread.
    """

    def __init__(self, run: CommandRun, loop: asyncio.AbstractEventLoop) -> None:
        self._run = run
        self._loop = loop

    @property
    def decision(self) -> Decision:
        """The approval; ``decision.command`` is what runs (a reviewer may have edited it)."""
        return self._run.decision

    @property
    def command_id(self) -> str:
        return self._run.decision.command_id

    @property
    def pid(self) -> int:
        """The process id of ``/bin/sh -c COMMAND``, also its process group and session."""
        return self._run.pid

    @property
    def size(self) -> tuple[int, int]:
        """The terminal's size as ``(cols, rows)``."""
        return self._run.size

    @property
    def running(self) -> bool:
        return self._run.running

    def resize(self, cols: int, rows: int) -> None:
        """Make the terminal ``cols`` x ``rows``: the command gets SIGWINCH, the recording an
        ``r`` event. ValueError unless both are 1-1000."""
        _check_size(cols, rows)
        self._soon(self._run.resize, cols, rows)

    def write(self, data: str | bytes) -> None:
        """Type ``data`` into the terminal (``"\\x03"`` is Ctrl-C, ``"\\x04"`` Ctrl-D)."""
        self._soon(self._run.write, data.encode() if isinstance(data, str) else bytes(data))

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the command's process group."""
        self._soon(self._run.send_signal, signum)

    def _soon(self, call: Callable[..., None], *args: Any) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            call(*args)
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed: the command is gone
            self._loop.call_soon_threadsafe(call, *args)


class CommandRun:
    """One approved command in its terminal, from the start to the exit status."""

    def __init__(
        self,
        decision: Decision,
        stream: OutputStream,
        *,
        cols: int,
        rows: int,
        keep_output: bool,
        on_output: OutputCallback | None,
    ) -> None:
        self.decision = decision
        self.stream = stream
        self.size = (cols, rows)
        self.duration = 0.0
        self._keep = keep_output
        self._on_output = on_output
        self._output_failed = False
        self._parts: list[str] = []
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._input_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._terminal: Terminal | None = None
        self._started = 0.0

    @property
    def output(self) -> str:
        return "".join(self._parts)

    @property
    def pid(self) -> int:
        return 0 if self._terminal is None else self._terminal.pid

    @property
    def running(self) -> bool:
        return self._terminal is not None and self._terminal.running

    async def start(
        self,
        *,
        cwd: str | os.PathLike[str] | None,
        env: Mapping[str, str] | None,
        input: str | bytes | None,
        on_start: StartCallback | None,
    ) -> None:
        """Start the command; OSError (nothing ran) when it cannot start."""
        from ._pty import Terminal  # POSIX only: imported when a command really runs

        environment = dict(os.environ if env is None else env)
        environment.setdefault("TERM", DEFAULT_TERM)
        self._started = time.monotonic()
        self._terminal = await Terminal.start(
            self.decision.command,
            cols=self.size[0],
            rows=self.size[1],
            cwd=cwd,
            env=environment,
            on_output=self._show,
        )
        if on_start is not None:
            _call_back(on_start, Execution(self, asyncio.get_running_loop()), "on_start")
        if input:
            self.write(input.encode() if isinstance(input, str) else input)

    async def wait(self) -> int:
        """The exit status, once the command exited and its output was read."""
        assert self._terminal is not None
        return self._finished(await self._terminal.wait())

    def kill(self) -> None:
        """Kill the command (its whole process group) now; ``wait()`` gives its status."""
        if self._terminal is not None:
            self._terminal.kill()

    def write(self, data: bytes) -> None:
        if self._terminal is None or not self._terminal.running:
            return
        self.stream.input(self._input_decoder.decode(data), self._now())
        self._terminal.write(data)

    def resize(self, cols: int, rows: int) -> None:
        if self._terminal is None or not self._terminal.running or (cols, rows) == self.size:
            return
        self.size = (cols, rows)
        self._terminal.resize(cols, rows)
        self.stream.resize(cols, rows, self._now())

    def send_signal(self, signum: int) -> None:
        if self._terminal is not None:
            self._terminal.send_signal(signum)

    def _show(self, data: bytes) -> None:
        self._emit(self._decoder.decode(data))

    def _emit(self, text: str) -> None:
        if not text:
            return
        self.stream.output(text, self._now())
        if self._keep:
            self._parts.append(text)
        if self._on_output is not None:
            ok = _call_back(self._on_output, text, "on_output", quiet=self._output_failed)
            self._output_failed = self._output_failed or not ok

    def _finished(self, status: int) -> int:
        self._emit(self._decoder.decode(b"", final=True))  # a character cut off at the end
        self.duration = round(time.monotonic() - self._started, 6)
        return status

    def _now(self) -> float:
        return round(max(time.monotonic() - self._started, 0.0), 6)


def _call_back(
    callback: Callable[[Any], object], arg: Any, name: str, *, quiet: bool = False
) -> bool:
    """Call a user's callback; an exception is logged (once when ``quiet``), never raised."""
    try:
        result = callback(arg)
    except Exception:
        if not quiet:
            logger.exception("the %s callback raised; the command goes on", name)
        return False
    if inspect.iscoroutine(result):  # an async def: it would never run, and warn later
        result.close()
        logger.error("%s must be a plain function, not a coroutine function", name)
    return True


def terminal_size(cols: int | None, rows: int | None) -> tuple[int, int]:
    """The size to start with: as given, else the caller's terminal, else 80x24.

    ValueError for a given side outside 1-1000; the caller's terminal is clamped to that.
    """
    fallback = shutil.get_terminal_size((80, 24))
    size = (
        _clamp(fallback.columns) if cols is None else cols,
        _clamp(fallback.lines) if rows is None else rows,
    )
    _check_size(*size)
    return size


def exit_status(returncode: int) -> int:
    """A subprocess return code as a shell exit status: killed by signal N becomes 128+N."""
    return 128 - returncode if returncode < 0 else returncode


def check_can_execute() -> None:
    """NotImplementedError where there are no pseudo-terminals (Windows), before a submit."""
    if os.name != "posix":
        raise NotImplementedError("execute() needs a POSIX system with pseudo-terminals")


def _clamp(side: int) -> int:
    return min(max(side, 1), _MAX_SIDE)


def _check_size(cols: int, rows: int) -> None:
    for name, value in (("cols", cols), ("rows", rows)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_SIDE:
            raise ValueError(f"{name} must be an integer from 1 to {_MAX_SIDE}, not {value!r}")
