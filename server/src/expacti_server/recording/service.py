"""Recording what approved commands print: executions start, stream output, and end.

An agent that runs an approved command sends ``exec_start``, then numbered
``exec_output`` frames, then ``exec_end`` (docs/PROTOCOL.md). Each command
joins the recording of its agent session (one asciicast file per session), or
gets a recording of its own when it ran outside a session. A frame that was
already stored (resent after a reconnect) is acknowledged again and not
written twice, so an agent can resend everything it has not seen acknowledged.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.agent_sessions.models import AgentSession
from expacti_server.audit import service as audit
from expacti_server.audit.actor import SYSTEM
from expacti_server.commands.models import Command
from expacti_server.commands.status import Status
from expacti_server.db.base import utcnow
from expacti_server.db.engine import Database
from expacti_server.errors import (
    ExecutionFinished,
    InvalidFrame,
    NotApproved,
    NotFound,
    OutputRefused,
)
from expacti_server.identity.orgs import OrgService
from expacti_server.identity.principal import Principal
from expacti_server.ids import new_id
from expacti_server.recording import cast
from expacti_server.recording.live import LiveRecording
from expacti_server.recording.models import Execution, Recording
from expacti_server.recording.store import RecordingStore

ENCRYPTED_LABEL = "[encrypted command]"
TITLE_CHARS = 200

Event = tuple[float, str, str]


@dataclass(frozen=True, slots=True)
class ExecAck:
    """What the agent is told after each execution frame."""

    command_id: str
    seq: int
    recording_id: str
    capture_input: bool


@dataclass(eq=False)
class _Run:
    """One command's run as this process knows it."""

    command_id: str
    agent_id: str
    recording_id: str
    recording: LiveRecording | None  # None once its recording has finished
    anchor: float  # seconds into the recording at which the command started
    last_seq: int
    ended: bool
    encrypted: bool
    capture_input: bool
    output_bytes: int = 0


class RecordingService:
    """Executions and the recordings they are written to."""

    def __init__(
        self, database: Database, store: RecordingStore, orgs: OrgService, *, max_bytes: int
    ) -> None:
        self._db = database
        self.store = store
        self._orgs = orgs
        self._max_bytes = max_bytes
        self._runs: dict[str, _Run] = {}
        self._live: dict[str, LiveRecording] = {}
        # Starts are rare next to output frames; one lock keeps two starts of one command
        # (a resend racing the original) from opening two runs.
        self._starting = asyncio.Lock()

    def live(self, recording_id: str) -> LiveRecording | None:
        """The recording, if this process is writing it."""
        return self._live.get(recording_id)

    async def watchable(self, org_id: str, recording_id: str) -> LiveRecording | None:
        """The live recording to follow (taken up again after a restart), None if finished."""
        return await self._reopen(org_id, recording_id)

    async def start(self, principal: Principal, command_id: str, cols: int, rows: int) -> ExecAck:
        """An approved command starts on the agent: mark it in its recording."""
        _check_size(cols, rows)
        async with self._starting:
            run = await self._run_for(principal, command_id)
            if run is None:
                run = await self._begin(principal, command_id, cols, rows)
        return _ack(run)

    async def output(
        self,
        principal: Principal,
        command_id: str,
        seq: int,
        events: list[Event],
        dropped_bytes: int = 0,
    ) -> ExecAck:
        """Store one numbered batch of a running command's output."""
        run = await self._existing_run(principal, command_id)
        if seq <= run.last_seq:
            return _ack(run)  # resent after a reconnect: stored already
        if run.ended:
            raise ExecutionFinished(command_id=command_id)
        if run.encrypted:
            raise OutputRefused(command_id=command_id)
        lines = _checked_events(events, run)
        live = run.recording
        if live is None:
            raise ExecutionFinished("the recording has finished", command_id=command_id)
        async with live.lock:
            if live.id not in self._live:
                raise ExecutionFinished("the recording has finished", command_id=command_id)
            if dropped_bytes > 0:
                note = (
                    f"expacti: {dropped_bytes} bytes of output were lost while the agent "
                    "could not reach the server"
                )
                lines.insert(0, (lines[0][0] if lines else live.clock(), "m", note))
            run.output_bytes += await live.write(lines)
            for _, code, data in lines:
                if code == "r" and (size := cast.size_of(data)) is not None:
                    live.width, live.height = size
            # Stored after the file: a crash in between makes the agent resend this frame
            # (written twice) rather than skip it (lost).
            async with self._db.write() as conn:
                await conn.execute(
                    update(Execution)
                    .where(Execution.command_id == command_id)
                    .values(last_seq=seq, output_bytes=run.output_bytes)
                )
            run.last_seq = seq
        return _ack(run)

    async def end(
        self, principal: Principal, command_id: str, seq: int, exit_code: int, duration: float
    ) -> ExecAck:
        """The command has exited: store how, and finish a recording of its own."""
        run = await self._existing_run(principal, command_id)
        if seq <= run.last_seq or run.ended:
            return _ack(run)
        live = run.recording
        if live is None:
            run.ended, run.last_seq = True, seq
            async with self._db.write() as conn:
                await self._record_end(conn, principal, run, exit_code, duration, None)
            return _ack(run)
        async with live.lock:
            run.ended, run.last_seq = True, seq
            live.running.discard(command_id)
            finish = live.session_id is None and not live.running
            async with self._db.write() as conn:
                await self._record_end(conn, principal, run, exit_code, duration, live)
                if finish:
                    await self._finish_row(conn, live)
            if finish:
                await self._close(live)
        return _ack(run)

    async def _record_end(
        self,
        conn: AsyncConnection,
        principal: Principal,
        run: _Run,
        exit_code: int,
        duration: float,
        live: LiveRecording | None,
    ) -> None:
        duration_ms = round(duration * 1000.0, 3)
        await conn.execute(
            update(Execution)
            .where(Execution.command_id == run.command_id)
            .values(
                ended_at=utcnow(),
                exit_code=exit_code,
                duration_ms=duration_ms,
                output_bytes=run.output_bytes,
                last_seq=run.last_seq,
            )
        )
        await audit.record(
            conn,
            org_id=principal.org_id,
            actor=principal.actor,
            action="command.executed",
            command_id=run.command_id,
            data={
                "exit_code": exit_code,
                "duration_ms": duration_ms,
                "output_bytes": run.output_bytes,
                "recording_id": run.recording_id,
            },
        )
        if live is not None:
            await self._save_progress(conn, live)

    async def finish_session(self, org_id: str, session_id: str) -> None:
        """The agent ended its session: finish the session's recording."""
        async with self._db.read() as conn:
            ids = (
                await conn.scalars(
                    select(Recording.id).where(
                        Recording.org_id == org_id,
                        Recording.session_id == session_id,
                        Recording.status == "live",
                    )
                )
            ).all()
        for recording_id in ids:
            await self.finish(org_id, recording_id)

    async def finish(self, org_id: str, recording_id: str) -> None:
        """Finish a live recording (session ended, idle, or shutting down a standalone run)."""
        live = self._live.get(recording_id) or await self._reopen(org_id, recording_id)
        if live is None:
            return
        async with live.lock:
            if recording_id not in self._live:
                return
            async with self._db.write() as conn:
                await self._save_progress(conn, live)
                await self._finish_row(conn, live)
            await self._close(live)

    async def close(self) -> None:
        """Server shutdown: flush every open file (recordings stay live and go on later)."""
        for live in list(self._live.values()):
            async with live.lock:
                await self.store.finish(live.key)
                live.close_watchers()
        self._live.clear()
        self._runs.clear()

    # -- starting -------------------------------------------------------------------------

    async def _begin(self, principal: Principal, command_id: str, cols: int, rows: int) -> _Run:
        async with self._db.read() as conn:
            command = (
                await conn.execute(
                    select(
                        Command.agent_id,
                        Command.status,
                        Command.session_id,
                        Command.command,
                        Command.approved_command,
                        Command.encrypted,
                    ).where(Command.id == command_id, Command.org_id == principal.org_id)
                )
            ).first()
        if command is None or command.agent_id != principal.id:
            raise NotFound("no such command of this agent", command_id=command_id)
        if command.status != Status.APPROVED:
            raise NotApproved(command_id=command_id, status=command.status)
        encrypted = command.encrypted is not None
        label = ENCRYPTED_LABEL if encrypted else (command.approved_command or command.command)
        policy = await self._orgs.policy_for(principal.org_id)
        live = await self._recording_for(
            principal, command_id, command.session_id, label, cols, rows
        )
        async with live.lock:
            offset = live.clock()
            events: list[Event] = []
            if (cols, rows) != (live.width, live.height):
                events.append((offset, "r", f"{cols}x{rows}"))
                live.width, live.height = cols, rows
            events.append((offset, "m", label))
            await live.write(events)
            try:
                async with self._db.write() as conn:
                    await conn.execute(
                        insert(Execution),
                        {
                            "command_id": command_id,
                            "org_id": principal.org_id,
                            "agent_id": principal.id,
                            "recording_id": live.id,
                            "offset_seconds": offset,
                            "label": label,
                            "cols": cols,
                            "rows": rows,
                            "started_at": utcnow(),
                            "ended_at": None,
                            "exit_code": None,
                            "duration_ms": None,
                            "output_bytes": 0,
                            "last_seq": 0,
                        },
                    )
                    live.commands += 1
                    await self._save_progress(conn, live)
            except IntegrityError:
                existing = await self._run_for(principal, command_id)
                if existing is None:
                    raise
                return existing
            live.running.add(command_id)
        run = _Run(
            command_id=command_id,
            agent_id=principal.id,
            recording_id=live.id,
            recording=live,
            anchor=offset,
            last_seq=0,
            ended=False,
            encrypted=encrypted,
            capture_input=policy.record_input and not encrypted,
        )
        self._runs[command_id] = run
        return run

    async def _recording_for(
        self,
        principal: Principal,
        command_id: str,
        session_id: str | None,
        label: str,
        cols: int,
        rows: int,
    ) -> LiveRecording:
        if session_id is not None:
            for live in self._live.values():
                if live.session_id == session_id and live.org_id == principal.org_id:
                    return live
            async with self._db.read() as conn:
                found = await conn.scalar(
                    select(Recording.id)
                    .where(
                        Recording.org_id == principal.org_id,
                        Recording.session_id == session_id,
                        Recording.status == "live",
                    )
                    .order_by(Recording.started_at.desc())
                    .limit(1)
                )
                goal = await conn.scalar(
                    select(AgentSession.goal).where(AgentSession.id == session_id)
                )
            if found is not None:
                reopened = await self._reopen(principal.org_id, found)
                if reopened is not None:
                    return reopened
            label = goal or label
        return await self._create(principal, command_id, session_id, label, cols, rows)

    async def _create(
        self,
        principal: Principal,
        command_id: str,
        session_id: str | None,
        title: str,
        cols: int,
        rows: int,
    ) -> LiveRecording:
        policy = await self._orgs.policy_for(principal.org_id)
        recording_id = new_id("rec")
        key = f"{principal.org_id}/{recording_id}.cast"
        now = utcnow()
        title = title[:TITLE_CHARS]
        head = cast.header(width=cols, height=rows, started_at=now, title=title)
        await self.store.create(key, head)
        try:
            async with self._db.write() as conn:
                await conn.execute(
                    insert(Recording),
                    {
                        "id": recording_id,
                        "org_id": principal.org_id,
                        "agent_id": principal.id,
                        "agent_name": principal.name,
                        "session_id": session_id,
                        "command_id": command_id,
                        "title": title,
                        "store_key": key,
                        "status": "live",
                        "started_at": now,
                        "ended_at": None,
                        "duration_seconds": 0.0,
                        "bytes": len(head),
                        "truncated": False,
                        "width": cols,
                        "height": rows,
                        "input_captured": policy.record_input,
                        "commands": 0,
                    },
                )
                await audit.record(
                    conn,
                    org_id=principal.org_id,
                    actor=principal.actor,
                    action="recording.started",
                    command_id=command_id,
                    data={"recording_id": recording_id, "session_id": session_id},
                )
        except BaseException:
            await self.store.delete(key)
            raise
        live = LiveRecording(
            id=recording_id,
            org_id=principal.org_id,
            key=key,
            session_id=session_id,
            started_at=now,
            width=cols,
            height=rows,
            size=len(head),
            cap=self._max_bytes,
            store=self.store,
        )
        self._live[recording_id] = live
        return live

    async def _reopen(self, org_id: str, recording_id: str) -> LiveRecording | None:
        """A live recording this process is not writing yet (e.g. after a restart)."""
        if recording_id in self._live:
            return self._live[recording_id]
        async with self._db.read() as conn:
            row = (
                await conn.execute(
                    select(Recording).where(
                        Recording.id == recording_id,
                        Recording.org_id == org_id,
                        Recording.status == "live",
                    )
                )
            ).first()
        if row is None:
            return None
        recording = Recording(**row._mapping)
        live = LiveRecording(
            id=recording.id,
            org_id=recording.org_id,
            key=recording.store_key,
            session_id=recording.session_id,
            started_at=recording.started_at,
            width=recording.width,
            height=recording.height,
            size=await self.store.size(recording.store_key),
            cap=self._max_bytes,
            store=self.store,
            truncated=recording.truncated,
            last_time=recording.duration_seconds,
            commands=recording.commands,
        )
        return self._live.setdefault(recording_id, live)

    # -- runs ------------------------------------------------------------------------------

    async def _existing_run(self, principal: Principal, command_id: str) -> _Run:
        run = await self._run_for(principal, command_id)
        if run is None:
            raise NotFound(
                "this command's run has not started; send exec_start first", command_id=command_id
            )
        return run

    async def _run_for(self, principal: Principal, command_id: str) -> _Run | None:
        """The run of a command, from memory or (after a restart) from its stored row."""
        run = self._runs.get(command_id)
        if run is not None:
            if run.agent_id != principal.id:
                raise NotFound("no such command of this agent", command_id=command_id)
            return run
        async with self._db.read() as conn:
            row = (
                await conn.execute(
                    select(Execution, Command.encrypted)
                    .join(Command, Command.id == Execution.command_id)
                    .where(Execution.command_id == command_id)
                )
            ).first()
        if row is None:
            return None
        if row.agent_id != principal.id:
            raise NotFound("no such command of this agent", command_id=command_id)
        # None when its recording has finished (or was deleted): nothing more is written.
        live = await self._reopen(principal.org_id, row.recording_id)
        policy = await self._orgs.policy_for(principal.org_id)
        run = _Run(
            command_id=command_id,
            agent_id=principal.id,
            recording_id=row.recording_id,
            recording=live,
            anchor=row.offset_seconds,
            last_seq=row.last_seq,
            ended=row.ended_at is not None or live is None,
            encrypted=row.encrypted is not None,
            capture_input=policy.record_input and row.encrypted is None,
            output_bytes=row.output_bytes,
        )
        if live is not None and not run.ended:
            live.running.add(command_id)
        self._runs[command_id] = run
        return run

    # -- finishing ---------------------------------------------------------------------------

    async def _save_progress(self, conn: AsyncConnection, live: LiveRecording) -> None:
        await conn.execute(
            update(Recording)
            .where(Recording.id == live.id)
            .values(
                bytes=live.size,
                duration_seconds=live.last_time,
                truncated=live.truncated,
                width=live.width,
                height=live.height,
                commands=live.commands,
            )
        )

    async def _finish_row(self, conn: AsyncConnection, live: LiveRecording) -> None:
        now = utcnow()
        await conn.execute(
            update(Recording).where(Recording.id == live.id).values(status="finished", ended_at=now)
        )
        await audit.record(
            conn,
            org_id=live.org_id,
            actor=SYSTEM,
            action="recording.finished",
            data={
                "recording_id": live.id,
                "bytes": live.size,
                "commands": live.commands,
                "truncated": live.truncated,
            },
        )

    async def _close(self, live: LiveRecording) -> None:
        await self.store.finish(live.key)
        live.close_watchers()
        self._live.pop(live.id, None)
        for command_id in [c for c, r in self._runs.items() if r.recording is live]:
            self._runs.pop(command_id, None)


def _ack(run: _Run) -> ExecAck:
    return ExecAck(
        command_id=run.command_id,
        seq=run.last_seq,
        recording_id=run.recording_id,
        capture_input=run.capture_input,
    )


def _check_size(cols: int, rows: int) -> None:
    if not (0 < cols <= 1000 and 0 < rows <= 1000):
        raise InvalidFrame("cols and rows must be between 1 and 1000", field="cols")


def _checked_events(events: list[Event], run: _Run) -> list[Event]:
    """The events to write, in recording time; a bad event rejects the whole frame."""
    lines: list[Event] = []
    for t, code, data in events:
        if code == "r" and cast.size_of(data) is None:
            raise InvalidFrame("a resize event's data must be COLSxROWS", command_id=run.command_id)
        if code == "i" and not run.capture_input:
            continue  # the org does not record input: drop it, never store it
        lines.append((run.anchor + t, code, data))
    return lines
