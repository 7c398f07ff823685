"""The reviewer WebSocket, ``/api/v1/reviewer/ws``: the live queue of one organisation.

The server only speaks: a snapshot of every pending command first, then a
``pending`` frame for each new command and a ``decided`` frame for each one
that leaves the queue. The socket subscribes before it reads the snapshot,
so nothing that happens in between is lost (a command may arrive twice;
screens keep one card per id). The browser may send ``{"type": "ping"}``
and gets ``{"type": "pong"}``, since pages cannot see protocol-level pings.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import suppress
from urllib.parse import urlsplit

import structlog
from starlette.websockets import WebSocket, WebSocketDisconnect

from expacti_server.commands.record import CommandRecord
from expacti_server.commands.schemas import CommandView
from expacti_server.db.base import utcnow
from expacti_server.errors import AuthenticationFailed, ExpactiError, PermissionDenied
from expacti_server.identity.principal import Principal, Role
from expacti_server.identity.sessions import SESSION_COOKIE
from expacti_server.realtime.reviewer_feed import Viewer
from expacti_server.services import Services
from expacti_server.ws.handshake import refuse

log = structlog.get_logger(__name__)

CLOSE_SESSION_ENDED = 4401
CLOSE_TRY_AGAIN_LATER = 1013
# A screen this far behind is dropped; it reconnects and starts from a fresh snapshot.
MAX_QUEUED_FRAMES = 10_000
# How often an open screen re-checks that its session or token still holds.
RECHECK_SECONDS = 5.0
MAX_INBOUND_BYTES = 1024
SNAPSHOT_YIELD_EVERY = 50


async def reviewer_socket(websocket: WebSocket) -> None:
    """Check origin and credentials on the handshake, then stream the queue."""
    services: Services = websocket.app.state.services
    try:
        check_origin(websocket, services.settings.public_url)
        principal, session_id = await authenticate_reviewer(websocket, services)
    except ExpactiError as error:
        await refuse(websocket, error)
        return
    await websocket.accept()
    await ReviewerScreen(websocket, principal, session_id, services).serve()


def check_origin(websocket: WebSocket, public_url: str | None) -> None:
    # Browsers send cookies on cross-site WebSocket handshakes; only our own
    # pages may open this one (tools without an Origin header are fine).
    origin = websocket.headers.get("origin")
    if origin is None:
        return
    host = websocket.headers.get("host", "").lower()
    allowed = {host} if host else set()
    if public_url:
        allowed.add(urlsplit(public_url).netloc.lower())
    # "null" (sandboxed frames, file: pages) and anything without a host never match.
    netloc = urlsplit(origin).netloc.lower()
    if not netloc or netloc not in allowed:
        raise PermissionDenied("cross-origin WebSocket refused", origin=origin)


async def authenticate_reviewer(
    websocket: WebSocket, services: Services
) -> tuple[Principal, str | None]:
    remote = websocket.client.host if websocket.client else None
    scheme, _, secret = websocket.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and secret:
        principal = await services.authenticator.authenticate(
            secret.strip(), via="websocket", remote=remote
        )
        if principal.role is not Role.REVIEWER:
            raise PermissionDenied("only reviewers may watch the queue")
        return principal, None
    cookie = websocket.cookies.get(SESSION_COOKIE)
    if cookie is None:
        raise AuthenticationFailed("sign in first (session cookie or reviewer bearer token)")
    session = await services.authenticator.authenticate_session(cookie, remote=remote)
    return session.principal, session.session_id


class ReviewerScreen:
    """One open queue screen: a writer draining frames, a reader answering pings,
    and a watchdog that closes the socket once the session or token stops holding."""

    def __init__(
        self,
        websocket: WebSocket,
        principal: Principal,
        session_id: str | None,
        services: Services,
    ) -> None:
        self._ws = websocket
        self._principal = principal
        self._session_id = session_id
        self._services = services
        self._frames: asyncio.Queue[str] = asyncio.Queue()
        self._close_code: int | None = None

    def _enqueue(self, frame: str) -> None:
        if self._frames.qsize() >= MAX_QUEUED_FRAMES:
            self._close_code = CLOSE_TRY_AGAIN_LATER
            self._frames.put_nowait("")  # wakes the writer, which then closes
            return
        self._frames.put_nowait(frame)

    async def serve(self) -> None:
        """Run until the browser leaves, the session ends, or the screen falls behind."""
        feed = self._services.commands.news.feed
        org_id = self._principal.org_id
        role = self._principal.reviewer_role
        if role is None:
            raise PermissionDenied("only reviewers may watch the queue")
        viewer = Viewer(reviewer_id=self._principal.id, role=role)
        feed.subscribe(org_id, self._enqueue, viewer)
        tasks: list[asyncio.Task[None]] = []
        try:
            pending = await self._services.commands.queue_for(self._principal, viewer)
            await self._send(await self._snapshot(pending))
            tasks = [
                asyncio.create_task(self._write()),
                asyncio.create_task(self._read()),
                asyncio.create_task(self._watch_credentials()),
            ]
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        except (WebSocketDisconnect, OSError, TimeoutError):
            pass
        finally:
            feed.unsubscribe(org_id, self._enqueue)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with suppress(asyncio.CancelledError, Exception):
                    await task
            if self._close_code is not None:
                with suppress(Exception):
                    await self._ws.close(code=self._close_code)

    async def _snapshot(self, pending: list[CommandRecord]) -> str:
        encoded: list[str] = []
        for number, record in enumerate(pending, 1):
            encoded.append(CommandView.of(record).model_dump_json())
            if number % SNAPSHOT_YIELD_EVERY == 0:
                await asyncio.sleep(0)  # a long queue must not stall everyone else's requests
        commands = ",".join(encoded)
        server_time = json.dumps(utcnow().isoformat())
        return f'{{"type":"snapshot","server_time":{server_time},"commands":[{commands}]}}'

    async def _send(self, frame: str) -> None:
        await asyncio.wait_for(
            self._ws.send_text(frame), timeout=self._services.settings.send_timeout_seconds
        )

    async def _write(self) -> None:
        while True:
            frame = await self._frames.get()
            if self._close_code is not None:
                return
            await self._send(frame)

    async def _read(self) -> None:
        while True:
            message = await self._ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text") or ""
            if len(text) > MAX_INBOUND_BYTES:
                continue
            with suppress(ValueError):
                if json.loads(text) == {"type": "ping"}:
                    self._frames.put_nowait('{"type":"pong"}')

    async def _watch_credentials(self) -> None:
        authenticator = self._services.authenticator
        while True:
            await asyncio.sleep(RECHECK_SECONDS)
            if self._session_id is not None:
                live = await authenticator.session_live(self._session_id)
            else:
                live = await authenticator.still_valid(self._principal)
            if not live:
                self._close_code = CLOSE_SESSION_ENDED
                return
