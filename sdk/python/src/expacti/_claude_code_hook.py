"""``expacti hook claude-code``: one PreToolUse event in, the gate's answer out, in bounded time.

The hook only decides; Claude Code runs the command itself, so this asks with ``run()``,
never ``execute()``. Every way of not reaching an approval is a ``deny`` whose reason
Claude reads: a malformed event, another event or tool, no command, no server, a refused
token, no decision in time, a bug (``expacti hook claude-code`` adds a last resort for
anything that escapes here: it answers ``deny``, or exits 2 when even that cannot be
written, which Claude Code also takes as a block).

A hook that Claude Code kills for taking longer than its own ``timeout`` (600 s by
default) lets the tool call go ahead, so the hook's whole life is bounded below that: the
answer is decided within ``timeout`` + ``connect_timeout`` + ``_WATCHDOG_SLACK`` (at most
540 + 30 + 10 s) and written the moment it is; ``AnswerWriter`` then gives the process
``_EXIT_GRACE`` seconds to close its connection and exit before it ends it outright.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Final

from ._async_client import AsyncExpactiClient
from ._claude_code import (
    HookAnswer,
    HookEventError,
    ShellToolCall,
    answer_for,
    deny,
    internal_error,
    interrupted,
    not_asked,
    parse_event,
    read_event,
    sentence,
)
from ._errors import CommandTimeoutException, ExpactiError
from ._not_run import not_submitted, timed_out, undecided

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "MAX_CONNECT_TIMEOUT",
    "MAX_TIMEOUT",
    "AnswerWriter",
    "HookSettings",
    "OnAnswer",
    "answer_event",
    "answer_stdin",
    "decide",
]

DEFAULT_TIMEOUT: Final = 300.0
MAX_TIMEOUT: Final = 540.0
DEFAULT_CONNECT_TIMEOUT: Final = 10.0
MAX_CONNECT_TIMEOUT: Final = 30.0
_WATCHDOG_SLACK: Final = 10.0  # beyond the client's own deadline (its 5 s grace included)
_CLOSE_TIMEOUT: Final = 5.0
_EXIT_GRACE: Final = _CLOSE_TIMEOUT + 2.0  # after the answer: the close, then the exit


@dataclass(frozen=True, slots=True)
class HookSettings:
    """How the hook reaches the server and how long it lets a human take."""

    url: str | None
    token: str | None
    timeout: float = DEFAULT_TIMEOUT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    target: str | None = None
    apply_edits: bool = False
    """Return a reviewer's edit through ``updatedInput`` instead of denying the original."""


OnAnswer = Callable[[HookAnswer], object]
"""Told the hook's answer the moment it is decided; must not raise."""


def answer_stdin(
    stream: IO[bytes] | None, settings: HookSettings, *, on_answer: OnAnswer | None = None
) -> HookAnswer:
    """``answer_event`` for the hook's stdin (None when the process has none)."""
    try:
        if stream is None:
            raise HookEventError("the hook has no stdin to read its event from")
        text = read_event(stream)
    except HookEventError as exc:
        return _FirstAnswer(on_answer)(not_asked(exc))
    except OSError as exc:
        return _FirstAnswer(on_answer)(
            not_asked(HookEventError(f"the hook input could not be read ({exc})"))
        )
    return answer_event(text, settings, on_answer=on_answer)


def answer_event(
    text: str, settings: HookSettings, *, on_answer: OnAnswer | None = None
) -> HookAnswer:
    """The answer to one hook input; never raises, and never allows without an approval.

    ``on_answer`` is called once with the answer as soon as it is decided: when the server
    was asked, that is before the connection is closed, so closing it never delays Claude
    Code. The answer returned is the same one.
    """
    first = _FirstAnswer(on_answer)
    return first(_answer_event(text, settings, first))


class _FirstAnswer:
    """Passes on the first answer only: Claude Code reads one, and it stands."""

    def __init__(self, on_answer: OnAnswer | None) -> None:
        self._on_answer = on_answer
        self._answer: HookAnswer | None = None

    def __call__(self, answer: HookAnswer) -> HookAnswer:
        if self._answer is None:
            self._answer = answer
            if self._on_answer is not None:
                self._on_answer(answer)
        return self._answer


def _answer_event(text: str, settings: HookSettings, tell: OnAnswer) -> HookAnswer:
    try:
        call = parse_event(text)
    except HookEventError as exc:
        return not_asked(exc)
    if not settings.url:
        return deny("No server URL: set EXPACTI_URL or pass --url. The command did not run.")
    if not settings.token:
        return deny("No agent token: set EXPACTI_TOKEN or pass --token. The command did not run.")
    try:
        client = AsyncExpactiClient(
            settings.url,
            settings.token,
            connect_timeout=settings.connect_timeout,
            reconnect_timeout=settings.connect_timeout,
        )
    except ValueError as exc:
        return deny(f"{sentence(str(exc))}. The command did not run.")
    try:
        return asyncio.run(_ask(client, call, settings, tell))
    except (KeyboardInterrupt, asyncio.CancelledError):
        return interrupted()
    except Exception as exc:  # a bug must still deny, never leave Claude Code without an answer
        return internal_error(exc)


async def _ask(
    client: AsyncExpactiClient, call: ShellToolCall, settings: HookSettings, tell: OnAnswer
) -> HookAnswer:
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is not None:
        # Claude Code stopping the hook: cancel the wait, so the server cancels the command.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        try:
            answer = await decide(client, call, settings)
        except asyncio.CancelledError:  # SIGTERM, or Ctrl-C (asyncio.run cancels on SIGINT)
            if task is not None:
                task.uncancel()
            answer = interrupted()
        except Exception as exc:  # a bug must still deny
            answer = internal_error(exc)
        tell(answer)  # now: the close below may take its time, Claude Code need not wait
        return answer
    finally:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_CLOSE_TIMEOUT):
                await client.aclose()


async def decide(
    client: AsyncExpactiClient, call: ShellToolCall, settings: HookSettings
) -> HookAnswer:
    """Ask the gate about ``call`` and turn the outcome into the hook's answer.

    However the client behaves, the answer comes within ``settings.timeout`` +
    ``settings.connect_timeout`` + ``_WATCHDOG_SLACK``: past that the wait is cancelled
    (and with it the command on the server) and the answer is a deny.
    """
    watchdog = settings.timeout + settings.connect_timeout + _WATCHDOG_SLACK
    try:
        async with asyncio.timeout(watchdog):
            decision = await client.run(
                call.command,
                target=settings.target,
                timeout=settings.timeout,
                context=call.context(),
                raise_on_deny=False,
            )
    except TimeoutError:
        return deny(timed_out(None))
    except CommandTimeoutException as exc:
        return deny(timed_out(exc.decision))
    except ExpactiError as exc:
        return deny(undecided(exc))
    except ValueError as exc:  # e.g. larger than the server accepts: never submitted
        return deny(not_submitted(exc))
    return answer_for(call, decision, apply_edits=settings.apply_edits)


class AnswerWriter:
    """The hook's stdout: writes the first answer it is given at once, and ignores the rest.

    ``status`` is the exit status Claude Code must see: None until an answer was given, 0
    once it is written, 2 when it could not be (Claude Code blocks the call on 2, with
    stderr as the reason). The answer goes straight to the file descriptor, past Python's
    buffer: an answer that could not be written must not be retried when the interpreter
    exits, which would turn the status into 120, and Claude Code would run the command.

    ``exit_after`` bounds what follows the answer: that many seconds after it, the process
    ends with ``status``, whatever is still running. Without it, asyncio.run and the
    interpreter's exit would each wait, with no bound, for the threads of asyncio's
    default executor (a getaddrinfo that never returns, say), and Claude Code, waiting past
    its own timeout, would kill the hook and let the command run.
    """

    def __init__(self, fd: int = 1, *, exit_after: float | None = _EXIT_GRACE) -> None:
        self._fd = fd
        self._exit_after = exit_after
        self.status: int | None = None

    def __call__(self, answer: HookAnswer) -> None:
        if self.status is not None:
            return
        try:
            data = (json.dumps(answer.to_json()) + "\n").encode()
            while data:
                data = data[os.write(self._fd, data) :]
            self.status = 0
        except Exception as exc:  # OSError: a closed pipe, a bad descriptor...
            self.status = 2
            with contextlib.suppress(Exception):
                sys.stderr.write(
                    f"expacti: could not write the hook's answer ({exc}); the command must "
                    "not run\n"
                )
                sys.stderr.flush()
        if self._exit_after is not None:
            guard = threading.Timer(self._exit_after, os._exit, args=(self.status,))
            guard.daemon = True
            guard.start()
