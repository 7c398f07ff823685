"""ExpactiClient: the blocking, thread-safe face of AsyncExpactiClient."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import threading
import weakref
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Final, Self, TypeVar

from ._async_client import (
    DEFAULT_OUTPUT_ACK_TIMEOUT,
    DEFAULT_OUTPUT_BUFFER_BYTES,
    AsyncExpactiClient,
)
from ._decision import Decision
from ._errors import ExpactiConnectionError
from ._execution import ExecutionResult, OutputCallback, StartCallback
from ._frames import SessionStatus
from ._oversight import Oversight
from ._pending import ProgressCallback
from ._session import Session

__all__ = ["ExpactiClient"]

_T = TypeVar("_T")
_SHUTDOWN_TIMEOUT: Final = 5.0
"""How long close() lets each shutdown step take: aclose(), the runs, the stragglers."""
_CLOSE_WAIT: Final = 3 * _SHUTDOWN_TIMEOUT + 1.0
"""How long close() waits for the loop to finish the shutdown; close() never hangs."""

logger = logging.getLogger("expacti")


class ExpactiClient:
    """Asks an expacti server for approval before a command runs; blocking.

    Thread-safe: any number of threads may call ``run()`` at once on one client. It keeps
    one private daemon thread with an event loop, started on first use, so creating a
    client never blocks and never connects; ``close()`` stops the thread. A client that is
    garbage-collected without ``close()`` closes its connection and stops its thread in
    the background; at interpreter exit nothing is waited for.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        connect_timeout: float = 10.0,
        reconnect_timeout: float = 60.0,
        max_backoff: float = 5.0,
        trusted_key_fingerprints: Iterable[str] | None = None,
        output_buffer_bytes: int = DEFAULT_OUTPUT_BUFFER_BYTES,
        output_ack_timeout: float = DEFAULT_OUTPUT_ACK_TIMEOUT,
    ) -> None:
        self._client = AsyncExpactiClient(
            url,
            token,
            connect_timeout=connect_timeout,
            reconnect_timeout=reconnect_timeout,
            max_backoff=max_backoff,
            trusted_key_fingerprints=trusted_key_fingerprints,
            output_buffer_bytes=output_buffer_bytes,
            output_ack_timeout=output_ack_timeout,
        )
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._closed = False

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def connect(self) -> None:
        """Open the connection now instead of on the first ``run()``; raises like ``run()``."""
        self._call(self._client.connect)

    def run(
        self,
        command: str,
        *,
        target: str | None = None,
        timeout: float | None = None,
        session: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        raise_on_deny: bool = True,
        encrypt: bool = False,
        label: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Decision:
        """Submit ``command`` for approval and block until the decision; see AsyncExpactiClient.

        Returns the Decision when approved. A denial or cancellation raises
        CommandDeniedException and a timeout CommandTimeoutException, unless
        ``raise_on_deny`` is false; then the Decision is returned and ``approved`` is false.
        Run ``Decision.command``: a reviewer may have edited it (``Decision.edited``).
        ``encrypt=True`` makes the command readable only by reviewers' browsers (``label``
        is what the server sees instead); ExpactiEncryptionError when that is impossible.
        ``on_progress`` gets each Progress of a multi-party or escalated command; it runs on
        the client's own thread, so it must return quickly and must not call the client.
        """
        return self._call(
            lambda: self._client.run(
                command,
                target=target,
                timeout=timeout,
                session=session,
                context=context,
                raise_on_deny=raise_on_deny,
                encrypt=encrypt,
                label=label,
                on_progress=on_progress,
            )
        )

    def execute(
        self,
        command: str,
        *,
        target: str | None = None,
        timeout: float | None = None,
        session: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        raise_on_deny: bool = True,
        encrypt: bool = False,
        label: str | None = None,
        on_progress: ProgressCallback | None = None,
        cols: int | None = None,
        rows: int | None = None,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        input: str | bytes | None = None,
        on_output: OutputCallback | None = None,
        on_start: StartCallback | None = None,
        keep_output: bool = True,
    ) -> ExecutionResult:
        """Ask for approval like ``run()``, then run the approved command and record it.

        Blocks until the command ended; see AsyncExpactiClient.execute. ``on_output``,
        ``on_start`` and ``on_progress`` run on the client's own thread: keep them short
        and do not call the client from them. The Execution given to ``on_start`` may be
        used from any thread (``resize()`` from a SIGWINCH handler, say). An exception in
        the calling thread while it waits (Ctrl-C) kills the command.
        """
        return self._call(
            lambda: self._client.execute(
                command,
                target=target,
                timeout=timeout,
                session=session,
                context=context,
                raise_on_deny=raise_on_deny,
                encrypt=encrypt,
                label=label,
                on_progress=on_progress,
                cols=cols,
                rows=rows,
                cwd=cwd,
                env=env,
                input=input,
                on_output=on_output,
                on_start=on_start,
                keep_output=keep_output,
            )
        )

    def session(self, *, goal: str, steps: Sequence[str] | None = None) -> Session:
        """A session: commands run towards ``goal``, through ``steps``, shown to reviewers.

        ``with client.session(goal=..., steps=[...]) as s: s.run(...)``; see Session and
        AsyncExpactiClient.session.
        """
        return Session(self, goal=goal, steps=steps)

    def oversight(self) -> Oversight:
        """Whether a reviewer who may decide for this agent is online now; blocking.

        Check it before a long unattended job and degrade gracefully when nobody is there;
        see AsyncExpactiClient.oversight for the errors.
        """
        return self._call(self._client.oversight)

    def _send_session_end(self, session_id: str, status: SessionStatus) -> None:
        self._call(lambda: self._client._send_session_end(session_id, status))

    def close(self) -> None:
        """Cancel what is still waiting, close the connection, stop the thread; idempotent.

        Never hangs: a run() still waiting after the shutdown's time is up is cancelled
        and raises ExpactiConnectionError("client closed") in its thread.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            loop, thread, finalizer = self._loop, self._thread, self._finalizer
        if finalizer is not None:
            finalizer.detach()
        if loop is None or thread is None:
            return
        # The shutdown stops the loop when it is done, however long a wedged loop delays it.
        shutdown = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
        try:
            shutdown.result(timeout=_CLOSE_WAIT)
        except concurrent.futures.TimeoutError:
            logger.warning("closing the expacti client timed out; its thread stops later")
            return
        thread.join(timeout=_SHUTDOWN_TIMEOUT)  # the thread closes the loop

    def _submit(
        self, make: Callable[[AsyncExpactiClient], Coroutine[Any, Any, _T]]
    ) -> concurrent.futures.Future[_T]:
        """Start ``make(async_client)`` on the client's loop; cancelling the future cancels it.

        For callers in the package that wait on their own terms: ``_call`` blocks on it,
        and an async caller awaits it (``asyncio.wrap_future``) so that its cancellation
        reaches the server instead of leaving a thread blocked in ``run()``.
        """
        with self._lock:
            # Under the lock, so close() cannot stop the loop between the check and the submit.
            if self._closed:
                raise ExpactiConnectionError("client closed")
            if threading.current_thread() is self._thread:
                raise RuntimeError("ExpactiClient cannot be used from its own event loop thread")
            # The loop first: a thread that cannot start must not leave a coroutine never awaited.
            loop = self._ensure_loop()
            return asyncio.run_coroutine_threadsafe(make(self._client), loop)

    def _call(self, make: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
        future = self._submit(lambda _client: make())
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            # close() cancelled a run() that did not see "client closed" in time.
            raise ExpactiConnectionError("client closed") from None
        except BaseException:
            future.cancel()  # e.g. KeyboardInterrupt: the loop cancels the wait on the server
            raise

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=_serve_forever, args=(loop,), name="expacti-client", daemon=True
            )
            try:
                thread.start()
            except BaseException:  # e.g. RuntimeError "can't start new thread"
                loop.close()
                raise
            self._loop, self._thread = loop, thread
            # Garbage-collected without close(): stop in the background, never blocking.
            # At interpreter exit nothing runs: the daemon thread just ends with the process.
            self._finalizer = weakref.finalize(self, _abandon, loop, self._client)
            self._finalizer.atexit = False
        return self._loop

    async def _shutdown(self) -> None:
        try:
            try:
                async with asyncio.timeout(_SHUTDOWN_TIMEOUT):
                    await self._client.aclose()
            except TimeoutError:
                logger.warning("closing the expacti connection timed out")
            # Let every run() see "client closed" before the loop stops, or its caller would
            # hang; one that does not within the time is cancelled (its caller gets "client
            # closed" too).
            current = asyncio.current_task()
            others = {task for task in asyncio.all_tasks() if task is not current}
            if others:
                _, stragglers = await asyncio.wait(others, timeout=_SHUTDOWN_TIMEOUT)
                for task in stragglers:
                    task.cancel()
                if stragglers:
                    await asyncio.wait(stragglers, timeout=_SHUTDOWN_TIMEOUT)
        finally:
            # Stop once close() has been told the result: that hand-over is itself a
            # callback this coroutine's end schedules, so give it a turn of the loop.
            loop = asyncio.get_running_loop()
            loop.call_soon(loop.call_soon, loop.stop)


def _serve_forever(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        loop.close()  # stopped by close() or by the finalizer: release the selector


def _abandon(loop: asyncio.AbstractEventLoop, client: AsyncExpactiClient) -> None:
    """The finalizer of an ExpactiClient nobody closed; runs in any thread, never blocks."""
    with contextlib.suppress(RuntimeError):  # the loop is closed already
        loop.call_soon_threadsafe(_close_then_stop, loop, client)


def _close_then_stop(loop: asyncio.AbstractEventLoop, client: AsyncExpactiClient) -> None:
    async def close() -> None:
        try:
            async with asyncio.timeout(_SHUTDOWN_TIMEOUT):
                await client.aclose()
        except Exception:  # nobody is left to tell; the loop stops anyway
            logger.debug("closing an abandoned expacti client failed", exc_info=True)

    task = loop.create_task(close())
    _ABANDONED.add(task)
    task.add_done_callback(_ABANDONED.discard)
    task.add_done_callback(lambda _: loop.stop())  # then the thread closes the loop


_ABANDONED: set[asyncio.Task[None]] = set()
"""Strong references to the close tasks of abandoned clients, until they finish."""
