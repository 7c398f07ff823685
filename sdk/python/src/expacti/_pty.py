"""One command in a pseudo-terminal of its own: output, input, size, signals, exit status.

POSIX only (``termios``, ``fcntl``); imported only when a command is executed. The command
is ``/bin/sh -c COMMAND`` in a new session whose controlling terminal is the PTY, so it
behaves as in a terminal window: colours, progress bars, Ctrl-C typed as ``\\x03``, and
SIGWINCH when the size changes. A simple command of literal words (``terraform apply``, or
any ``shlex.join()`` of an argv) is run as ``exec COMMAND``, as bash does on its own: no
shell stays in between, so Ctrl-C reaches only the command, which may shut down gracefully
and report its own status (a waiting non-interactive ``sh`` would die of it at once).
Reading is driven by the event loop (``add_reader``) and never waits for anything else;
writing input never blocks the loop either.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import shlex
import signal
import struct
import termios
from collections.abc import Callable, Mapping
from typing import Final

from ._execution import exit_status

__all__ = ["LINGER_SECONDS", "SHELL", "Terminal", "shell_line"]

SHELL: Final = "/bin/sh"

LINGER_SECONDS: Final = 0.5
"""After the command exited, how long output may still come from processes it left behind
(they hold the terminal open); then the terminal is closed and they get SIGHUP."""

_READ_BYTES: Final = 65536

# fmt: off
_SHELL_WORDS: Final = frozenset({
    ".", ":", "[", "alias", "bg", "break", "cd", "command", "continue", "echo", "eval", "exec",
    "exit", "export", "false", "fc", "fg", "getopts", "hash", "jobs", "kill", "local", "printf",
    "pwd", "read", "readonly", "return", "set", "shift", "test", "times", "trap", "true", "type",
    "ulimit", "umask", "unalias", "unset", "wait",
    "!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "then",
    "until", "while",
})
# fmt: on
"""Builtins and reserved words: ``exec`` would run something else, or nothing."""


def shell_line(command: str) -> str:
    """What ``/bin/sh -c`` runs: ``exec COMMAND`` for a simple command, else ``command``.

    Simple means exactly ``shlex.join()`` of its words (so: no operators, expansions,
    redirections or quotes other than shlex's), not an assignment, an option, a builtin or
    a reserved word; ``exec`` then changes nothing but the shell that stays in between.
    """
    try:
        words = shlex.split(command)
    except ValueError:
        return command
    if not words or shlex.join(words) != command:
        return command
    first = words[0]
    if not first or "=" in first or first.startswith("-") or first in _SHELL_WORDS:
        return command
    return f"exec {command}"


def _take_terminal() -> None:
    """In the child, after setsid(): make the PTY (its stdin) the controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def _set_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class Terminal:
    """A command running in a PTY; create with ``await Terminal.start(...)``."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        master: int,
        on_output: Callable[[bytes], None],
    ) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._process = process
        self._master: int | None = master
        self._on_output = on_output
        self._eof: asyncio.Future[None] = loop.create_future()
        self._input = bytearray()
        self._writing = False
        loop.add_reader(master, self._readable)

    @classmethod
    async def start(
        cls,
        command: str,
        *,
        cols: int,
        rows: int,
        cwd: str | os.PathLike[str] | None,
        env: Mapping[str, str] | None,
        on_output: Callable[[bytes], None],
    ) -> Terminal:
        """Start ``/bin/sh -c command``; OSError when it cannot start (e.g. no such ``cwd``).

        ``on_output`` is called on the loop with each chunk the terminal shows.
        """
        master, slave = os.openpty()
        try:
            _set_size(slave, cols, rows)
            os.set_blocking(master, False)
            process = await asyncio.create_subprocess_exec(
                SHELL,
                "-c",
                shell_line(command),
                stdin=slave,
                stdout=slave,
                stderr=slave,
                cwd=cwd,
                env=env,
                start_new_session=True,
                preexec_fn=_take_terminal,  # subprocess has no option to set a ctty
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)  # the child has its own: EOF comes once the command is done
        return cls(process, master, on_output)

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process.returncode is None

    def write(self, data: bytes) -> None:
        """Type ``data`` into the terminal; queued while the PTY is full, never blocking."""
        if self._master is None or self._process.returncode is not None:
            return
        self._input += data
        self._write_some()

    def resize(self, cols: int, rows: int) -> None:
        """Set the terminal's size; the kernel sends the command SIGWINCH."""
        if self._master is not None:
            _set_size(self._master, cols, rows)

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the command's process group (all it started, unless detached)."""
        if self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._process.pid, signum)

    async def wait(self) -> int:
        """Wait for the command to exit and its output to be read; its exit status."""
        returncode = await self._process.wait()
        try:
            await asyncio.wait_for(asyncio.shield(self._eof), LINGER_SECONDS)
        except TimeoutError:  # something it started holds the terminal: read what is there
            while self._master is not None and self._read_once():
                pass
        self.close()
        return exit_status(returncode)

    def kill(self) -> None:
        """Kill the command's process group now; ``wait()`` then gives its status."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signal.SIGKILL)

    def close(self) -> None:
        """Close the terminal (idempotent); whatever still holds it gets SIGHUP."""
        master, self._master = self._master, None
        if master is None:
            return
        self._loop.remove_reader(master)
        if self._writing:
            self._loop.remove_writer(master)
        os.close(master)
        if not self._eof.done():
            self._eof.set_result(None)

    def _readable(self) -> None:
        self._read_once()

    def _read_once(self) -> bool:
        """Read one chunk; False when there is nothing to read now, or never again."""
        if self._master is None:
            return False
        try:
            data = os.read(self._master, _READ_BYTES)
        except BlockingIOError:
            return False
        except OSError as exc:  # EIO: every process holding the terminal closed it
            if exc.errno != errno.EIO:
                raise
            data = b""
        if not data:
            self._loop.remove_reader(self._master)
            if not self._eof.done():
                self._eof.set_result(None)
            return False
        self._on_output(data)
        return True

    def _write_some(self) -> None:
        master = self._master
        while master is not None and self._input:
            try:
                written = os.write(master, self._input)
            except BlockingIOError:
                break
            except OSError:  # the command is gone: nobody reads input any more
                self._input.clear()
                break
            del self._input[:written]
        if master is None:
            return
        if self._input and not self._writing:
            self._loop.add_writer(master, self._write_some)
            self._writing = True
        elif not self._input and self._writing:
            self._loop.remove_writer(master)
            self._writing = False
