"""The agent WebSocket, ``/shell/ws``: submit, wait, cancel, resume."""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress

import msgspec
import structlog
from starlette.websockets import WebSocket, WebSocketDisconnect

from expacti_server import __version__
from expacti_server.commands.record import CommandRecord, ProgressView, WaitEvent
from expacti_server.commands.submission import Submission
from expacti_server.errors import (
    AuthenticationFailed,
    ExpactiError,
    InvalidFrame,
    MalformedJSON,
    PermissionDenied,
    TooManyPending,
)
from expacti_server.identity.principal import Principal, Role
from expacti_server.services import Services
from expacti_server.ws import frames
from expacti_server.ws.handshake import refuse

log = structlog.get_logger(__name__)

CLOSE_POLICY_VIOLATION = 1008
CLOSE_TRY_AGAIN_LATER = 1013
# Queued bytes past which the reader stops reading until the client catches up,
# and past which a client that still does not read is dropped.
BACKPRESSURE_BYTES = 1 << 20
MAX_QUEUED_BYTES = 16 << 20
# An open socket re-checks that its token was not revoked at most this often.
CREDENTIAL_RECHECK_SECONDS = 5.0


async def agent_socket(websocket: WebSocket) -> None:
    """Authenticate the handshake, then serve frames until the agent leaves."""
    services: Services = websocket.app.state.services
    try:
        principal = await _authenticate(websocket, services)
    except ExpactiError as error:
        await refuse(websocket, error)
        return
    await websocket.accept()
    await AgentConnection(websocket, principal, services).serve()


async def _authenticate(websocket: WebSocket, services: Services) -> Principal:
    scheme, _, secret = websocket.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret:
        raise AuthenticationFailed("send Authorization: Bearer <agent token> on the handshake")
    remote = websocket.client.host if websocket.client else None
    principal = await services.authenticator.authenticate(
        secret.strip(), via="websocket", remote=remote
    )
    if principal.role is not Role.AGENT:
        raise PermissionDenied("only agent tokens may connect to /shell/ws")
    return principal


class AgentConnection:
    """One agent's socket: a reader that handles frames in order and sends its
    own replies, and a writer task that sends what other tasks queue (a
    reviewer's decision), so a slow client never blocks whoever decided.

    ``inflight`` maps the request_ids this connection waits on to their
    command ids; a decision is sent only for a request still in it, so a
    decision that arrives twice (hub and direct reply) is sent once.
    """

    def __init__(self, websocket: WebSocket, principal: Principal, services: Services) -> None:
        self._ws = websocket
        self._principal = principal
        self._services = services
        self._settings = services.settings
        self._outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self._inflight: dict[str, str | None] = {}
        self._tasks: tuple[asyncio.Task[None], ...] = ()
        self._sending_since: float | None = None
        self._outbox_bytes = 0
        self._verified_at = asyncio.get_running_loop().time()
        self._send_lock = asyncio.Lock()
        self._stalled = False
        self._watch_interval = max(0.05, self._settings.send_timeout_seconds / 4)
        self._watchdog: asyncio.TimerHandle | None = None

    async def serve(self) -> None:
        """Run until the client disconnects or stops reading."""
        writer = asyncio.create_task(self._write_loop())
        reader = asyncio.create_task(self._read_loop())
        checker = asyncio.create_task(self._credential_loop())
        self._tasks = (reader, writer, checker)
        self._watchdog = asyncio.get_running_loop().call_later(self._watch_interval, self._watch)
        try:
            done, _ = await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                failure = None if task.cancelled() else task.exception()
                if failure is not None and not isinstance(failure, WebSocketDisconnect | OSError):
                    log.error("agent_connection_failed", exc_info=failure)
        finally:
            self._watchdog.cancel()
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            if self._stalled:
                with suppress(Exception):
                    await asyncio.wait_for(self._ws.close(CLOSE_TRY_AGAIN_LATER), 1.0)
            self._detach()

    def _watch(self) -> None:
        """Drop a client that has not taken a frame for ``send_timeout_seconds``.

        One timer per connection instead of a timeout around every send keeps
        the hot path free of timer churn.
        """
        loop = asyncio.get_running_loop()
        since = self._sending_since
        if since is not None and loop.time() - since > self._settings.send_timeout_seconds:
            log.warning("slow_agent_disconnected", agent=self._principal.name)
            self._stalled = True
            for task in self._tasks:
                task.cancel()
            return
        self._watchdog = loop.call_later(self._watch_interval, self._watch)

    async def _read_loop(self) -> None:
        await self._send_hello()
        while True:
            message = await self._ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            received_at = time.perf_counter()
            raw = message.get("text")
            if raw is None:
                self._queue(frames.error_frame(MalformedJSON("binary frames are not accepted")))
                continue
            if not await self._credential_still_valid():
                return
            await self._handle(raw, received_at)
            if self._outbox_bytes > BACKPRESSURE_BYTES:
                async with self._send_lock:  # wait for the writer: stop reading meanwhile
                    if not await self._drain():
                        return
            elif not await self._flush():
                return

    async def _handle(self, raw: str, received_at: float) -> None:
        request_id: str | None = None
        try:
            frame = frames.decode(raw)
            if isinstance(frame, frames.Submit):
                request_id = frame.request_id
                await self._submit(frame, received_at)
            elif isinstance(frame, frames.Cancel):
                request_id = frame.request_id
                await self._cancel(frame)
            elif isinstance(frame, frames.SessionEnd):
                await self._services.sessions.end(self._principal, frame.session_id, frame.status)
            elif isinstance(frame, frames.ExecStart | frames.ExecOutput | frames.ExecEnd):
                await self._execution(frame)
            else:
                self._queue(frames.encode(frames.Pong(nonce=frame.nonce)))
        except ExpactiError as error:
            self._queue(frames.error_frame(error, request_id or frames.request_id_of(raw)))
        except Exception:
            log.exception("agent_frame_failed", agent=self._principal.name)
            self._queue(frames.error_frame(ExpactiError(), request_id))

    async def _submit(self, frame: frames.Submit, received_at: float) -> None:
        if (
            frame.request_id not in self._inflight
            and len(self._inflight) >= self._settings.max_pending_per_connection
        ):
            raise TooManyPending(limit=self._settings.max_pending_per_connection)
        submission = Submission(
            request_id=frame.request_id,
            command=frame.command,
            target=frame.target,
            session=frame.session,
            context=frame.context,
            timeout_seconds=frame.timeout_seconds,
            encrypted=frame.encrypted,
        )
        self._inflight[frame.request_id] = None
        try:
            outcome = await self._services.commands.submit(
                self._principal,
                submission,
                origin="ws",
                listener=self._deliver,
                received_at=received_at,
            )
        except BaseException:
            self._inflight.pop(frame.request_id, None)
            raise
        self._reply(outcome.record, resumed=not outcome.created)

    def _reply(self, record: CommandRecord, *, resumed: bool) -> None:
        if record.request_id not in self._inflight:
            return  # the decision was already delivered through the hub
        decision = record.decision()
        if decision is not None:
            self._deliver(decision)
            return
        self._inflight[record.request_id] = record.id
        self._queue(
            frames.encode(
                frames.Accepted(
                    request_id=record.request_id,
                    command_id=record.id,
                    status=record.status,
                    expires_at=frames.iso_utc(record.expires_at),
                    resumed=resumed,
                )
            )
        )
        progress = record.progress()
        if progress.approvals or progress.escalated:
            self._queue(frames.progress_frame(progress))  # a resumed wait picks up where it was

    async def _execution(
        self, frame: frames.ExecStart | frames.ExecOutput | frames.ExecEnd
    ) -> None:
        recordings = self._services.recordings
        try:
            if isinstance(frame, frames.ExecStart):
                ack = await recordings.start(
                    self._principal, frame.command_id, frame.cols, frame.rows
                )
            elif isinstance(frame, frames.ExecOutput):
                ack = await recordings.output(
                    self._principal,
                    frame.command_id,
                    frame.seq,
                    list(frame.events),
                    frame.dropped_bytes,
                )
            else:
                ack = await recordings.end(
                    self._principal, frame.command_id, frame.seq, frame.exit_code, frame.duration
                )
        except ExpactiError as error:
            error.details.setdefault("command_id", frame.command_id)
            raise
        self._queue(
            frames.encode(
                frames.ExecAck(
                    command_id=ack.command_id,
                    seq=ack.seq,
                    recording_id=ack.recording_id,
                    capture_input=ack.capture_input,
                )
            )
        )

    async def _cancel(self, frame: frames.Cancel) -> None:
        if frame.request_id is None and frame.command_id is None:
            raise InvalidFrame("cancel needs request_id or command_id")
        ours = frame.request_id in self._inflight or frame.command_id in self._inflight.values()
        record = await self._services.commands.cancel(
            self._principal,
            command_id=frame.command_id,
            request_id=frame.request_id,
            reason=frame.reason,
        )
        decision = record.decision()
        if decision is None:
            return
        if ours:
            self._deliver(decision)  # a no-op if the hub delivered it already
        else:
            self._queue(frames.decision_frame(decision))

    def _deliver(self, event: WaitEvent) -> None:
        if isinstance(event, ProgressView):
            if event.request_id in self._inflight:
                self._queue(frames.progress_frame(event))
            return
        if self._inflight.pop(event.request_id, "absent") == "absent":
            return
        self._queue(frames.decision_frame(event))

    def _queue(self, frame: bytes) -> None:
        # Called from other tasks too (a reviewer's decision): never raise here.
        if self._outbox_bytes + len(frame) > MAX_QUEUED_BYTES:
            log.warning("agent_outbox_full", agent=self._principal.name)
            self._stalled = True
            for task in self._tasks:
                task.cancel()
            return
        self._outbox_bytes += len(frame)
        self._outbox.put_nowait(frame)

    async def _credential_loop(self) -> None:
        """Re-check the token of a socket that sends nothing, too.

        An agent waiting for a decision is silent for minutes; without this, a token
        revoked meanwhile would still receive the decision it was waiting for.
        """
        while True:
            await asyncio.sleep(CREDENTIAL_RECHECK_SECONDS)
            if not await self._credential_still_valid():
                return

    async def _credential_still_valid(self) -> bool:
        """A revoked token stops working on sockets it already opened, within seconds."""
        now = asyncio.get_running_loop().time()
        if now - self._verified_at < CREDENTIAL_RECHECK_SECONDS:
            return True
        if await self._services.authenticator.still_valid(self._principal):
            self._verified_at = now
            return True
        log.warning("agent_credential_revoked", agent=self._principal.name)
        frame = frames.error_frame(AuthenticationFailed("the agent token was revoked"))
        # Sent here, not queued: the writer may already hold a queued frame while it waits
        # for the lock, and the close below would overtake it. Nothing queued for a
        # revoked token needs delivering.
        async with self._send_lock:
            self._outbox_bytes += len(frame)
            await self._send(frame)
        with suppress(Exception):
            await self._ws.close(CLOSE_POLICY_VIOLATION, "credential revoked")
        return False

    async def _write_loop(self) -> None:
        """Send what other tasks queued (decisions made by reviewers, timeouts)."""
        while True:
            frame = await self._outbox.get()
            async with self._send_lock:
                if not await self._send(frame):
                    return
                await self._drain()

    async def _flush(self) -> bool:
        """Send the replies to the frame just handled from the reader itself.

        This saves waking the writer task on the hot path; the lock keeps the
        two senders from interleaving.
        """
        if self._outbox.empty() or self._send_lock.locked():
            return True
        async with self._send_lock:
            return await self._drain()

    async def _drain(self) -> bool:
        while not self._outbox.empty():
            if not await self._send(self._outbox.get_nowait()):
                return False
        return True

    async def _send(self, frame: bytes) -> bool:
        self._sending_since = asyncio.get_running_loop().time()
        try:
            await self._ws.send_text(frame.decode())
        except (WebSocketDisconnect, RuntimeError, OSError):
            return False
        finally:
            self._outbox_bytes -= len(frame)
        self._sending_since = None
        return True

    async def _send_hello(self) -> None:
        settings = self._settings
        hello = {
            "type": "hello",
            "protocol": frames.PROTOCOL_VERSION,
            "server": f"expacti-server/{__version__}",
            "agent": {"id": self._principal.id, "name": self._principal.name},
            "org": {"id": self._principal.org_id, "name": self._principal.org_name},
            "limits": {
                "max_command_bytes": settings.max_command_bytes,
                "max_frame_bytes": settings.max_frame_bytes,
                "max_metadata_bytes": settings.max_metadata_bytes,
                "timeout_seconds": await self._services.orgs.timeout_for(self._principal.org_id),
                "resume_window_seconds": settings.resume_window_seconds,
            },
        }
        self._queue(msgspec.json.encode(hello))

    def _detach(self) -> None:
        waiting = [cid for cid in self._inflight.values() if cid is not None]
        self._inflight.clear()
        self._services.commands.detach(waiting, self._deliver)
