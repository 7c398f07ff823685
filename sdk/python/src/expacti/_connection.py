"""One WebSocket to the server: opening it with the agent token, sending on it."""

from __future__ import annotations

import asyncio
from typing import Final
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from websockets.protocol import State

from ._errors import ExpactiAuthenticationError
from ._http import error_message
from ._version import __version__

__all__ = [
    "CLOSE_TIMEOUT",
    "RETRYABLE_CONNECT_ERRORS",
    "Connection",
    "check_token",
    "check_url",
    "open_websocket",
]

RETRYABLE_CONNECT_ERRORS: Final = (OSError, TimeoutError, WebSocketException)
"""What a failed connect attempt may raise that is worth retrying (401/403 aside)."""

CLOSE_TIMEOUT: Final = 2.0
"""How long a closing handshake may take before the socket is dropped."""

_USER_AGENT: Final = f"expacti-python/{__version__}"


class Connection:
    """An open WebSocket; ``lost`` resolves once it is closed, for whatever reason."""

    def __init__(self, ws: ClientConnection) -> None:
        loop = asyncio.get_running_loop()
        self.ws = ws
        self.opened_at = loop.time()
        self.lost: asyncio.Future[None] = loop.create_future()
        self.reader: asyncio.Task[None] | None = None

    @property
    def alive(self) -> bool:
        """Whether frames can still be sent and received.

        The socket's own state counts, not only ``lost``: the reader marks the connection
        lost one loop iteration or more after the socket closed, and in between a send
        fails at once, without ever yielding to the loop (or, while the transport is
        being torn down, is silently dropped).
        """
        return (
            not self.lost.done()
            and self.ws.protocol.state is State.OPEN
            and not self.ws.transport.is_closing()
        )

    def mark_lost(self) -> None:
        """Record that the connection is gone (idempotent)."""
        if not self.lost.done():
            self.lost.set_result(None)

    def close_code(self) -> tuple[int | None, bool]:
        """The close code, and whether the server chose it (False: the client did)."""
        protocol = self.ws.protocol
        rcvd, sent = protocol.close_rcvd, protocol.close_sent
        if rcvd is not None and (sent is None or protocol.close_rcvd_then_sent):
            return rcvd.code, True
        if sent is not None:
            return sent.code, False
        return None, False

    async def send(self, text: str) -> bool:
        """Send one frame; False (and the connection marked lost) when it is gone."""
        if not self.alive:  # e.g. a write failed a moment ago: do not write into the void
            self.mark_lost()
            return False
        try:
            await self.ws.send(text)
        except ConnectionClosed:
            self.mark_lost()
            return False
        return True

    def abort(self) -> None:
        """Drop the socket now, without a closing handshake (idempotent, never blocks)."""
        if self.ws.protocol.state is not State.CLOSED:
            self.ws.transport.abort()


def check_url(url: str) -> None:
    """Raise ValueError unless ``url`` is a ws:// or wss:// URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.netloc:
        raise ValueError(f"expected a ws:// or wss:// URL, got {url!r}")


def check_token(token: str) -> None:
    """Raise ValueError unless ``token`` can travel in an Authorization header."""
    if not token or not token.isprintable() or any(c.isspace() for c in token):
        raise ValueError("the token must be a non-empty string without whitespace")


async def open_websocket(url: str, token: str, *, open_timeout: float) -> ClientConnection:
    """Make one connection attempt.

    Raises ExpactiAuthenticationError when the server refuses the token (never worth a
    retry), or one of RETRYABLE_CONNECT_ERRORS.
    """
    try:
        return await connect(
            url,
            additional_headers={"Authorization": f"Bearer {token}"},
            user_agent_header=_USER_AGENT,
            open_timeout=open_timeout,
            close_timeout=CLOSE_TIMEOUT,
        )
    except InvalidStatus as exc:
        status = exc.response.status_code
        if status in (401, 403):
            reason = error_message(exc.response.body)
            raise ExpactiAuthenticationError(
                f"the server refused the token (HTTP {status}{': ' + reason if reason else ''})",
                status_code=status,
            ) from None
        raise
