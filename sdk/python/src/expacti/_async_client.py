"""AsyncExpactiClient: one WebSocket shared by many concurrent ``run()`` and ``execute()``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import uuid
from collections.abc import Coroutine, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Final, Self

from websockets.exceptions import ConnectionClosed

from ._backoff import backoff_delay
from ._connection import (
    CLOSE_TIMEOUT,
    RETRYABLE_CONNECT_ERRORS,
    Connection,
    check_token,
    check_url,
    open_websocket,
)
from ._decision import Decision
from ._encryption import (
    DEFAULT_LABEL,
    MAX_LABEL_CHARS,
    choose_keys,
    encrypt_command,
    fetch_reviewer_keys,
    require_cryptography,
)
from ._errors import (
    CommandDeniedException,
    CommandTimeoutException,
    ExpactiAuthenticationError,
    ExpactiConnectionError,
    ExpactiError,
    ExpactiProtocolError,
)
from ._execution import (
    CommandRun,
    ExecutionResult,
    OutputCallback,
    StartCallback,
    check_can_execute,
    terminal_size,
)
from ._frames import (
    Accepted,
    DecisionFrame,
    ErrorFrame,
    ExecAck,
    Hello,
    ProgressFrame,
    SessionStatus,
    cancel_frame,
    parse_server_frame,
    session_end_frame,
    submit_frame,
)
from ._output import OutputStream, send_output
from ._oversight import Oversight, fetch_oversight
from ._pending import MAX_TIMEOUT_SECONDS, PendingCommand, ProgressCallback, policy_seconds
from ._session import AsyncSession

__all__ = ["AsyncExpactiClient"]

_DEFAULT_MAX_FRAME_BYTES: Final = 1_048_576
_CANCEL_SEND_TIMEOUT: Final = 1.0
_STABLE_SECONDS: Final = 10.0  # a connection that lived this long resets the backoff
_CLOSE_POLICY: Final = 1008  # the agent token was revoked: reconnecting cannot help
_CLOSE_TOO_BIG: Final = 1009  # a frame exceeded the limit: re-sending it cannot help
DEFAULT_OUTPUT_BUFFER_BYTES: Final = 4 * 1024 * 1024
DEFAULT_OUTPUT_ACK_TIMEOUT: Final = 5.0

logger = logging.getLogger("expacti")


class AsyncExpactiClient:
    """Asks an expacti server for approval before a command runs.

    At most one WebSocket per client, opened on first use and shared by concurrent
    ``run()`` calls. If it drops, the client reconnects and resumes every wait without
    creating a second command. A client belongs to the event loop that first uses it.

    ``output_buffer_bytes`` bounds the output of ``execute()`` kept for the server until it
    acknowledged it (beyond, the oldest is dropped); ``output_ack_timeout`` is how long
    ``execute()`` waits, once the command ended, for the server to acknowledge the rest.
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
        check_url(url)
        check_token(token)
        if min(connect_timeout, reconnect_timeout, max_backoff) <= 0:
            raise ValueError("connect_timeout, reconnect_timeout and max_backoff must be > 0")
        if output_buffer_bytes <= 0 or output_ack_timeout < 0:
            raise ValueError("output_buffer_bytes must be > 0 and output_ack_timeout >= 0")
        self._url = url
        self._token = token
        self._connect_timeout = connect_timeout
        self._reconnect_timeout = reconnect_timeout
        self._max_backoff = max_backoff
        self._output_buffer_bytes = output_buffer_bytes
        self._output_ack_timeout = output_ack_timeout
        self._trusted_keys = (
            None if trusted_key_fingerprints is None else frozenset(trusted_key_fingerprints)
        )
        self._conn: Connection | None = None
        self._opening: asyncio.Task[Connection] | None = None
        self._pending: dict[str, PendingCommand] = {}
        self._executions: dict[str, OutputStream] = {}  # by command_id
        self._background: set[asyncio.Task[None]] = set()
        self._failures = 0
        self._hello: Hello | None = None
        self._closed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def connect(self) -> None:
        """Open the connection now instead of on the first ``run()``; raises like ``run()``."""
        await self._connection(deadline=None)

    async def run(
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
        """Submit ``command`` for approval and wait for the decision.

        Returns the Decision when approved. A denial or cancellation raises
        CommandDeniedException and a timeout CommandTimeoutException, unless
        ``raise_on_deny`` is false; then the Decision is returned and ``approved`` is false.
        ``timeout`` (seconds, at most 600) is how long a human has to decide.

        Run ``Decision.command``, not ``command``: a reviewer may have edited it before
        approving (``Decision.edited``).

        ``on_progress`` is called with a Progress after each partial approval of a command
        that needs several, and when the command is escalated. It runs on the event loop,
        so it must return quickly; an exception it raises is logged and the wait goes on.
        An escalation extends the wait of a run without ``timeout`` by as much as the
        server extended the command's.

        With ``encrypt=True`` only reviewers' browsers can read the command: it is
        encrypted for the organisation's reviewer keys (``GET /api/v1/keys``; only those
        in ``trusted_key_fingerprints`` when the client was given some), and the server
        sees ``label`` (default "encrypted command") in its place. Such a command is never
        whitelisted. ExpactiEncryptionError, before anything is sent, when there is no key
        to encrypt for or the ``expacti[e2e]`` extra is missing.
        """
        self._check_open()
        if not command.strip():
            raise ValueError("command must not be blank")
        if timeout is not None and not 0 < timeout <= MAX_TIMEOUT_SECONDS:
            raise ValueError(f"timeout must be > 0 and <= {MAX_TIMEOUT_SECONDS} seconds")
        if label is not None and not encrypt:
            raise ValueError("label is the visible stand-in of an encrypted command: encrypt=True")
        wire_command, envelope = command, None
        if encrypt:
            wire_command = DEFAULT_LABEL if label is None else label
            if not wire_command.strip() or len(wire_command) > MAX_LABEL_CHARS:
                raise ValueError(f"label must be 1-{MAX_LABEL_CHARS} characters, not blank")
            envelope = await self._encrypt(command)
        request_id = uuid.uuid4().hex
        frame = submit_frame(
            request_id=request_id,
            command=wire_command,
            target=target,
            timeout_seconds=None if timeout is None else math.ceil(timeout),
            session=session,
            context=context,
            encrypted=envelope,
        )
        self._check_frame_size(frame)
        policy = policy_seconds(self._hello.limits) if self._hello else None
        pending = PendingCommand(
            request_id, command, frame, timeout=timeout, policy=policy, on_progress=on_progress
        )
        self._pending[request_id] = pending
        try:
            result = await self._wait_for_decision(pending)
        except asyncio.CancelledError:
            self._cancel_in_background(pending, "the agent stopped waiting")
            raise
        finally:
            del self._pending[request_id]
        if result.edited and encrypt:
            # The server cannot read an encrypted command, so it refuses edits of one; a
            # decision claiming one is untrustworthy and nothing of it may run.
            raise ExpactiProtocolError(
                "the server reported an edit of an end-to-end encrypted command; not running it",
                request_id=request_id,
            )
        return _outcome(result.to_decision(command), raise_on_deny=raise_on_deny)

    async def execute(
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

        The approval is ``run()``'s, with the same arguments and errors. Once approved,
        ``Decision.command`` (the reviewer's text after an edit) runs as
        ``/bin/sh -c COMMAND`` in a pseudo-terminal of ``cols`` x ``rows`` (default: this
        process's terminal, else 80x24), in ``cwd``, with ``env`` (default: this process's
        environment; ``TERM`` defaults to xterm-256color). ``input`` is typed into the
        terminal once the command started. What the terminal shows is passed to
        ``on_output`` as it comes, streamed to the server for its recording, and returned
        (unless ``keep_output`` is false).

        ``on_start`` gets the Execution (resize, type, signal) once the command started.
        Both callbacks run on the event loop: keep them short. With ``raise_on_deny=False``
        a command that was not approved never runs (``exit_code`` None). Sending output
        never makes the command wait; see the constructor's ``output_buffer_bytes`` and
        ``output_ack_timeout``. An end-to-end encrypted command's output is never sent.
        OSError when the command cannot start (e.g. no such ``cwd``): it did not run.
        Cancelling the call kills the command.
        """
        check_can_execute()
        cols, rows = terminal_size(cols, rows)  # a bad size fails before anything is asked
        decision = await self.run(
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
        if not decision.approved:
            return ExecutionResult(decision, None, "")
        self._check_open()
        stream = OutputStream(
            decision.command_id,
            cols=cols,
            rows=rows,
            buffer_bytes=self._output_buffer_bytes,
            frame_bytes=self._frame_limit(),
            send=not encrypt,
        )
        run = CommandRun(
            decision, stream, cols=cols, rows=rows, keep_output=keep_output, on_output=on_output
        )
        await run.start(cwd=cwd, env=env, input=input, on_start=on_start)
        self._executions[decision.command_id] = stream
        sender = asyncio.get_running_loop().create_task(
            send_output(stream, self._stream_connection, max_backoff=self._max_backoff)
        )
        try:
            exit_code = await run.wait()
        except asyncio.CancelledError:
            run.kill()  # at once: the loop may not run much longer
            self._in_background(self._end_execution(run, sender, None))
            raise
        await self._end_execution(run, sender, exit_code)
        return ExecutionResult(
            decision,
            exit_code,
            run.output,
            recording_id=stream.recording_id,
            recorded=stream.complete,
        )

    def session(self, *, goal: str, steps: Sequence[str] | None = None) -> AsyncSession:
        """A session: commands run towards ``goal``, through ``steps``, shown to reviewers.

        ``async with client.session(goal=..., steps=[...]) as s: await s.run(...)``; see
        AsyncSession. ValueError for a blank goal or more than 1000 characters, or steps
        that are not 1-100 distinct non-blank strings.
        """
        return AsyncSession(self, goal=goal, steps=steps)

    async def oversight(self) -> Oversight:
        """Whether a reviewer who may decide for this agent is online now.

        Check it before a long unattended job and degrade gracefully when nobody is there,
        instead of waiting into a timeout. ``GET /api/v1/oversight`` with the agent token;
        raises ExpactiAuthenticationError (token refused), ExpactiConnectionError (server
        unreachable or failing) or ExpactiProtocolError (invalid answer, or a server
        without the endpoint: code ``not_found``).
        """
        self._check_open()
        return await fetch_oversight(self._url, self._token, timeout=self._connect_timeout)

    async def _send_session_end(self, session_id: str, status: SessionStatus) -> None:
        """Send ``session_end``, reconnecting if needed, within ``connect_timeout``."""
        deadline = asyncio.get_running_loop().time() + self._connect_timeout
        conn = await self._connection(deadline=deadline)
        try:
            async with asyncio.timeout_at(deadline):
                sent = await conn.send(session_end_frame(session_id=session_id, status=status))
        except TimeoutError:
            raise ExpactiConnectionError(
                f"could not send session_end to {self._url} in time"
            ) from None
        if not sent:
            raise ExpactiConnectionError(f"lost the connection to {self._url} during session_end")

    async def _encrypt(self, command: str) -> dict[str, Any]:
        """The envelope of ``command`` for the org's (trusted) reviewer keys, fetched now."""
        require_cryptography()  # before any network: a missing extra is a setup error
        keys = await fetch_reviewer_keys(self._url, self._token, timeout=self._connect_timeout)
        return encrypt_command(command, choose_keys(keys, self._trusted_keys))

    async def aclose(self) -> None:
        """Cancel what is still waiting, close the connection; idempotent."""
        if self._closed:
            return
        self._closed = True
        waiting = list(self._pending.values())
        for pending in waiting:
            pending.deliver(ExpactiConnectionError("client closed"))
        for stream in self._executions.values():
            stream.fail("client closed")
        if self._opening is not None:
            self._opening.cancel()
        cancels = [self._try_cancel(pending, "the agent closed its client") for pending in waiting]
        await asyncio.gather(*cancels)
        if self._background:
            await asyncio.wait(self._background, timeout=_CANCEL_SEND_TIMEOUT)
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.ws.close()
            if conn.reader is not None:
                await conn.reader

    # -- waiting for one decision --------------------------------------------------------

    async def _wait_for_decision(self, pending: PendingCommand) -> DecisionFrame:
        loop = asyncio.get_running_loop()
        unavailable = 0
        retrying: ErrorFrame | None = None  # the "unavailable" error being retried, if any
        while True:
            if loop.time() >= pending.deadline:
                if retrying is not None:
                    raise _refused(retrying)
                raise ExpactiConnectionError(
                    f"lost the connection to {self._url} and could not resume before the deadline"
                )
            conn = await self._connection(deadline=pending.deadline)
            self._check_frame_size(pending.frame)  # the hello may have arrived meanwhile
            pending.conn = conn
            if await self._send_submit(conn, pending):
                pending.sent()
            else:
                # Lost while sending. Let the reader see the close (it may be terminal) and
                # never retry without yielding: the loop must run to notice anything.
                await _settle(conn, pending.deadline)
            try:
                outcome = await self._next_outcome(pending, conn)
            except ExpactiProtocolError as exc:
                if exc.code is None:  # an untrustworthy frame: the command may still be pending
                    await self._try_cancel(pending, "invalid frame from the server")
                raise
            if isinstance(outcome, DecisionFrame):
                return outcome
            retrying = outcome  # None: the connection was lost, reconnect and resume
            if isinstance(outcome, ErrorFrame):  # "unavailable": retry the same request_id
                unavailable += 1
                delay = backoff_delay(unavailable, cap=self._max_backoff)
                if loop.time() + delay >= pending.deadline:
                    raise _refused(outcome)
                await pending.wait(conn.lost, delay)

    async def _send_submit(self, conn: Connection, pending: PendingCommand) -> bool:
        """Send the submit, bounded by the run's deadline; False if the connection is gone."""
        try:
            async with asyncio.timeout_at(pending.deadline):
                return await conn.send(pending.frame)
        except TimeoutError:  # a peer that stopped reading: the socket's buffers are full
            raise ExpactiConnectionError(
                f"could not send the command to {self._url} before the deadline"
            ) from None

    async def _next_outcome(
        self, pending: PendingCommand, conn: Connection
    ) -> DecisionFrame | ErrorFrame | None:
        """The decision, an ``unavailable`` error to retry, or None if the connection is lost."""
        loop = asyncio.get_running_loop()
        while True:
            event = pending.take()
            if event is None:
                if not conn.alive:
                    reader = conn.reader
                    if reader is not None and not reader.done() and loop.time() < pending.deadline:
                        # Frames read before the close, or a terminal close code, may still
                        # be on their way to us: let the reader finish first.
                        await _settle(conn, pending.deadline)
                        continue
                    return None
                if loop.time() >= pending.deadline:
                    await self._try_cancel(pending, "agent deadline passed")
                    raise CommandTimeoutException(pending.command)
                await pending.wait(conn.lost, pending.deadline - loop.time())
                continue
            if isinstance(event, ExpactiError):
                raise event
            if isinstance(event, ErrorFrame):
                if event.code == "unavailable":
                    return event
                raise _refused(event)
            if pending.command_id not in (None, event.command_id):
                raise ExpactiProtocolError(
                    f"the server switched command_id from {pending.command_id} to "
                    f"{event.command_id} for one request",
                    request_id=pending.request_id,
                )
            pending.command_id = event.command_id
            if isinstance(event, DecisionFrame):
                return event
            if isinstance(event, ProgressFrame):
                pending.progressed(event)
            else:
                pending.expires(event.expires_at)  # informative: the deadline is durations

    async def _try_cancel(self, pending: PendingCommand, reason: str) -> None:
        """Best effort: ask the server to cancel; a lost connection cancels it anyway."""
        conn = self._conn
        if conn is None or not conn.alive:
            return
        try:
            async with asyncio.timeout(_CANCEL_SEND_TIMEOUT):
                await conn.send(cancel_frame(request_id=pending.request_id, reason=reason))
        except (TimeoutError, OSError):
            logger.debug("could not send cancel for %s", pending.request_id)

    def _cancel_in_background(self, pending: PendingCommand, reason: str) -> None:
        self._in_background(self._try_cancel(pending, reason))

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- executing an approved command ---------------------------------------------------

    async def _end_execution(
        self, run: CommandRun, sender: asyncio.Task[None], exit_code: int | None
    ) -> None:
        """Send ``exec_end`` and wait, at most ``output_ack_timeout``, for the last ack.

        ``exit_code`` None: the call was cancelled and the command killed; wait for it.
        """
        stream = run.stream
        try:
            if exit_code is None:
                exit_code = await run.wait()
            stream.end(exit_code, run.duration)
            try:
                async with asyncio.timeout(self._output_ack_timeout):
                    await asyncio.shield(stream.settled)
            except TimeoutError:
                logger.warning(
                    "the server did not acknowledge all output of %s in time; the rest is "
                    "discarded",
                    stream.command_id,
                )
        finally:
            sender.cancel()
            self._executions.pop(stream.command_id, None)

    async def _stream_connection(self) -> Connection:
        return await self._connection(deadline=None)

    # -- the shared connection -----------------------------------------------------------

    async def _connection(self, *, deadline: float | None) -> Connection:
        """The open connection, opening it first if needed, before ``deadline`` (loop time)."""
        self._check_open()
        if self._conn is not None and self._conn.alive:
            return self._conn
        if self._opening is None or self._opening.done():
            self._opening = asyncio.get_running_loop().create_task(self._open())
        opening = self._opening
        now = asyncio.get_running_loop().time()
        timeout = None if deadline is None else max(deadline - now, 0.0)
        try:
            return await asyncio.wait_for(asyncio.shield(opening), timeout)
        except TimeoutError:
            raise ExpactiConnectionError(
                f"could not reach {self._url} before the deadline"
            ) from None
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if self._closed and opening.cancelled() and current and not current.cancelling():
                raise ExpactiConnectionError("client closed") from None
            raise

    async def _open(self) -> Connection:
        """Connect, retrying with backoff for up to ``reconnect_timeout`` seconds."""
        loop = asyncio.get_running_loop()
        stale = self._conn
        if stale is not None and stale.reader is not None and not stale.reader.done():
            # At most one socket at a time: let the old one finish closing (it is no longer
            # open, or we would not be here), and drop it if its closing handshake hangs.
            await asyncio.wait({stale.reader}, timeout=2 * CLOSE_TIMEOUT)
            stale.abort()
        give_up = loop.time() + self._reconnect_timeout
        last_error: BaseException | None = None
        while True:
            delay = backoff_delay(self._failures, cap=self._max_backoff)
            if last_error is not None and loop.time() + delay >= give_up:
                raise ExpactiConnectionError(f"could not connect to {self._url}: {last_error}")
            await asyncio.sleep(min(delay, max(give_up - loop.time(), 0.0)))
            left = max(give_up - loop.time(), 0.001)
            try:
                ws = await open_websocket(
                    self._url, self._token, open_timeout=min(self._connect_timeout, left)
                )
            except RETRYABLE_CONNECT_ERRORS as exc:
                last_error = exc
                self._failures += 1
                logger.info("connecting to %s failed (%s); will retry", self._url, exc)
                continue
            conn = Connection(ws)
            conn.reader = loop.create_task(self._read(conn))
            self._conn = conn
            return conn

    async def _read(self, conn: Connection) -> None:
        """Route every frame of ``conn`` to its waiter until the connection ends."""
        try:
            async for message in conn.ws:
                if not self._dispatch(message):
                    await conn.ws.close(1002, "invalid frame")
                    break
        except ConnectionClosed as exc:
            logger.info("connection to %s lost: %s", self._url, exc)
        except Exception:  # a bug here must not leave waiters hanging: they resume elsewhere
            logger.exception("reading from %s failed", self._url)
            with contextlib.suppress(Exception):  # the socket is dropped below either way
                await conn.ws.close(1011, "client error")
        finally:
            conn.abort()  # never leave a socket behind: a new connection is about to open
            lived = asyncio.get_running_loop().time() - conn.opened_at
            self._failures = 1 if lived >= _STABLE_SECONDS else self._failures + 1
            if self._conn is conn:
                self._conn = None
            self._fail_on_terminal_close(conn)
            conn.mark_lost()

    def _fail_on_terminal_close(self, conn: Connection) -> None:
        """After a close that reconnecting cannot cure, fail the runs waiting on ``conn``."""
        code, by_server = conn.close_code()
        error: ExpactiError
        if code == _CLOSE_POLICY and by_server:
            reason = conn.ws.protocol.close_rcvd.reason if conn.ws.protocol.close_rcvd else ""
            error = ExpactiAuthenticationError(
                f"the server closed the connection: the token was revoked or refused "
                f"(close code 1008{': ' + reason if reason else ''})",
                status_code=401,
            )
        elif code == _CLOSE_TOO_BIG:
            what = "a frame from the client" if by_server else "a frame from the server"
            error = ExpactiProtocolError(
                f"the connection was closed because {what} was too large (close code 1009)"
            )
        else:
            return
        logger.warning("%s", error)
        for pending in self._pending.values():
            if pending.conn is conn:
                pending.deliver(error)

    def _dispatch(self, message: str | bytes) -> bool:
        """Hand one frame to its waiter; False when the connection can no longer be trusted."""
        try:
            frame = parse_server_frame(message)
        except ExpactiProtocolError as exc:
            if exc.request_id is not None:
                pending = self._pending.get(exc.request_id)
                if pending is not None:
                    pending.deliver(exc)
                else:
                    logger.warning("ignoring %s", exc)
                return True
            # Nobody can tell whose frame it was: every waiter fails, closed.
            for pending in self._pending.values():
                pending.deliver(ExpactiProtocolError(str(exc), request_id=pending.request_id))
            return False
        if isinstance(frame, Hello):
            self._hello = frame
            policy = policy_seconds(frame.limits)
            for pending in self._pending.values():
                pending.set_policy(policy)
        elif isinstance(frame, ExecAck):
            stream = self._executions.get(frame.command_id)
            if stream is not None:
                stream.acknowledged(frame)
        elif (
            isinstance(frame, ErrorFrame)
            and not frame.request_id
            and self._executions
            and (frame.command_id in self._executions or frame.code == "unknown_frame_type")
        ):
            for command_id, stream in self._executions.items():
                if frame.command_id in (None, command_id):  # None: a server without exec_*
                    stream.refused(frame)
        elif isinstance(frame, Accepted | ProgressFrame | DecisionFrame | ErrorFrame) and (
            frame.request_id
        ):
            pending = self._pending.get(frame.request_id)
            if pending is not None:
                pending.deliver(frame)
        elif isinstance(frame, ErrorFrame):
            logger.warning("the server reported %s: %s", frame.code, frame.message)
        return True

    def _check_open(self) -> None:
        if self._closed:
            raise ExpactiConnectionError("client closed")

    def _frame_limit(self) -> int:
        """The largest frame the server accepts: ``hello``'s, else the protocol's 1 MiB."""
        limit = (self._hello.limits if self._hello else {}).get("max_frame_bytes")
        return limit if limit and limit > 0 else _DEFAULT_MAX_FRAME_BYTES

    def _check_frame_size(self, frame: str) -> None:
        # The server closes the connection (1009) on an oversized frame; retrying cannot help.
        limit = self._frame_limit()
        size = len(frame.encode())
        if size > limit:
            raise ValueError(f"the submit frame is {size} bytes; the server accepts {limit}")


async def _settle(conn: Connection, deadline: float) -> None:
    """Yield to the loop after a failed send: wait for ``conn``'s reader to finish (bounded)."""
    left = deadline - asyncio.get_running_loop().time()
    reader = conn.reader
    if reader is not None and not reader.done() and left > 0:
        await asyncio.wait({reader}, timeout=left)
    else:
        await asyncio.sleep(0)


def _refused(frame: ErrorFrame) -> ExpactiProtocolError:
    return ExpactiProtocolError(
        f"the server refused the command: {frame.message or frame.code} ({frame.code})",
        code=frame.code,
        request_id=frame.request_id,
    )


def _outcome(decision: Decision, *, raise_on_deny: bool) -> Decision:
    if decision.approved or not raise_on_deny:
        return decision
    if decision.decision == "timed_out":
        raise CommandTimeoutException(decision.command, decision)
    raise CommandDeniedException(decision)
