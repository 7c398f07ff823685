"""ExpactiClient: the blocking, thread-safe face of AsyncExpactiClient."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Mapping
from types import TracebackType
from typing import Any, Final, Self, TypeVar

from ._async_client import AsyncExpactiClient
from ._decision import Decision
from ._errors import ExpactiConnectionError

__all__ = ["ExpactiClient"]

_T = TypeVar("_T")
_SHUTDOWN_TIMEOUT: Final = 5.0


class ExpactiClient:
    """Asks an expacti server for approval before a command runs; blocking.

    Thread-safe: any number of threads may call ``run()`` at once on one client. It keeps
    one private daemon thread with an event loop, started on first use, so creating a
    client never blocks and never connects; ``close()`` stops the thread.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        connect_timeout: float = 10.0,
        reconnect_timeout: float = 60.0,
        max_backoff: float = 5.0,
    ) -> None:
        self._client = AsyncExpactiClient(
            url,
            token,
            connect_timeout=connect_timeout,
            reconnect_timeout=reconnect_timeout,
            max_backoff=max_backoff,
        )
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
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
    ) -> Decision:
        """Submit ``command`` for approval and block until the decision; see AsyncExpactiClient.

        Returns the Decision when approved. A denial or cancellation raises
        CommandDeniedException and a timeout CommandTimeoutException, unless
        ``raise_on_deny`` is false; then the Decision is returned and ``approved`` is false.
        """
        return self._call(
            lambda: self._client.run(
                command,
                target=target,
                timeout=timeout,
                session=session,
                context=context,
                raise_on_deny=raise_on_deny,
            )
        )

    def close(self) -> None:
        """Cancel what is still waiting, close the connection, stop the thread; idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result()
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()

    def _call(self, make: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
        with self._lock:
            # Under the lock, so close() cannot stop the loop between the check and the submit.
            if self._closed:
                raise ExpactiConnectionError("client closed")
            if threading.current_thread() is self._thread:
                raise RuntimeError("ExpactiClient cannot be used from its own event loop thread")
            loop = self._ensure_loop()
            future = asyncio.run_coroutine_threadsafe(make(), loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()  # e.g. KeyboardInterrupt: the loop cancels the wait on the server
            raise

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=_serve_forever, args=(loop,), name="expacti-client", daemon=True
            )
            thread.start()
            self._loop, self._thread = loop, thread
        return self._loop

    async def _shutdown(self) -> None:
        await self._client.aclose()
        # Let every run() see "client closed" before the loop stops, or its caller would hang.
        current = asyncio.current_task()
        others = {task for task in asyncio.all_tasks() if task is not current}
        if others:
            _, stragglers = await asyncio.wait(others, timeout=_SHUTDOWN_TIMEOUT)
            for task in stragglers:
                task.cancel()
            if stragglers:
                await asyncio.wait(stragglers, timeout=_SHUTDOWN_TIMEOUT)


def _serve_forever(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    loop.run_forever()
