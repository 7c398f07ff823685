"""The approval lifecycle: submit, decide, time out, cancel, resume, wait.

Two rules hold everywhere in this module:

* A decision is committed to the database before anyone is told: ``publish``
  runs only after the transaction that stored the decision has committed.
* A decision is final: every transition is ``UPDATE … WHERE status =
  'pending'``, so of two racing decisions exactly one changes a row and the
  other gets ``AlreadyDecided``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.audit.actor import SYSTEM
from expacti_server.audit.models import AuditEvent
from expacti_server.commands.models import Command
from expacti_server.commands.record import CommandRecord, DecisionView
from expacti_server.commands.status import Status
from expacti_server.commands.store import DuplicateRequest, store_submission
from expacti_server.commands.submission import Limits, Submission, validate_submission
from expacti_server.commands.timers import DeadlineScheduler
from expacti_server.commands.transitions import finalize, submission_audit_events
from expacti_server.db.base import utcnow
from expacti_server.db.engine import Database
from expacti_server.errors import (
    AlreadyDecided,
    ExpactiError,
    InvalidRequest,
    NotFound,
    RequestIdConflict,
    ServiceUnavailable,
)
from expacti_server.identity.orgs import OrgService
from expacti_server.identity.principal import Principal, Role
from expacti_server.ids import new_id
from expacti_server.policy.analysis import analyse
from expacti_server.realtime.hub import DecisionHub, Listener
from expacti_server.targets.service import TargetGroupService
from expacti_server.whitelist.cache import WhitelistCache, index_rule
from expacti_server.whitelist.schemas import WhitelistRuleCreate, WhitelistRuleSpec
from expacti_server.whitelist.service import insert_rule

log = structlog.get_logger(__name__)

MAX_NOTE_LENGTH = 4000
_INSERT_AUDIT = insert(AuditEvent)


@dataclasses.dataclass(frozen=True, slots=True)
class SubmitOutcome:
    """The stored command, and whether this submission created it (False: resumed)."""

    record: CommandRecord
    created: bool


class CommandService:
    """Owns every state change of a command."""

    def __init__(
        self,
        *,
        database: Database,
        limits: Limits,
        resume_window_seconds: float,
        orgs: OrgService,
        whitelist: WhitelistCache,
        targets: TargetGroupService,
    ) -> None:
        self._db = database
        self._limits = limits
        self._resume_window = resume_window_seconds
        self._orgs = orgs
        self._whitelist = whitelist
        self._targets = targets
        self.hub: DecisionHub[DecisionView] = DecisionHub()
        # Agent connections waiting on each pending command (reviewers' long
        # polls also listen on the hub, but do not keep a command alive).
        self._attached: dict[str, set[Listener[DecisionView]]] = {}
        self.scheduler = DeadlineScheduler(on_timeout=self._time_out, on_abandoned=self._abandon)

    # ----------------------------------------------------------------- startup

    async def recover(self) -> int:
        """Re-arm the deadlines of every pending command after a (re)start."""
        async with self._db.read() as conn:
            rows = (
                await conn.execute(
                    select(Command.id, Command.expires_at, Command.origin).where(
                        Command.status == Status.PENDING
                    )
                )
            ).all()
        for row in rows:
            self.scheduler.schedule_timeout(row.id, row.expires_at)
            if row.origin == "ws":
                self.scheduler.schedule_abandon(row.id, self._resume_window)
        return len(rows)

    # ------------------------------------------------------------------ submit

    async def submit(
        self,
        principal: Principal,
        submission: Submission,
        *,
        origin: str,
        listener: Listener[DecisionView] | None = None,
        received_at: float | None = None,
    ) -> SubmitOutcome:
        """Store a new command (deciding it at once if whitelisted), or resume an existing one.

        ``listener`` is subscribed before anything is stored, so it cannot miss
        a decision; it may be called more than once for one command and must
        ignore repeats.
        """
        received_at = received_at if received_at is not None else time.perf_counter()
        validate_submission(submission, self._limits)
        now = utcnow()
        values = await self._new_command(principal, submission, origin=origin, now=now)
        rule_ids: tuple[str, ...] = values.pop("_rule_ids")
        if rule_ids:
            values["latency_ms"] = (time.perf_counter() - received_at) * 1000.0
        elif listener is not None:
            self._attach(values["id"], listener)
        try:
            await store_submission(
                self._db,
                command=values,
                audit_events=submission_audit_events(principal, values, now, rule_ids),
                rule_ids=rule_ids,
                at=now,
            )
        except DuplicateRequest:
            self._drop_listener(values["id"], listener)
            return await self._resume(principal, submission, listener)
        except Exception as exc:
            self._drop_listener(values["id"], listener)
            raise ServiceUnavailable(
                "the command could not be stored; nothing was created"
            ) from exc
        if not rule_ids:
            self.scheduler.schedule_timeout(values["id"], values["expires_at"])
        return SubmitOutcome(CommandRecord.from_row(values), created=True)

    async def _new_command(
        self, principal: Principal, submission: Submission, *, origin: str, now: datetime
    ) -> dict[str, Any]:
        parsed, risk = analyse(submission.command)
        org_timeout = await self._orgs.timeout_for(principal.org_id)
        timeout = min(submission.timeout_seconds or org_timeout, org_timeout)
        match = self._whitelist.index_for(principal.org_id).match(
            parsed,
            target=submission.target,
            target_groups=self._targets.groups_of(principal.org_id, submission.target),
            now=now.timestamp(),
        )
        return {
            "id": new_id("cmd"),
            "org_id": principal.org_id,
            "agent_id": principal.id,
            "agent_name": principal.name,
            "request_id": submission.request_id,
            "command": submission.command,
            "parts": list(parsed.parts),
            "target": submission.target,
            "session": submission.session,
            "context": submission.context,
            "origin": origin,
            "status": Status.APPROVED if match else Status.PENDING,
            "risk_score": risk.score,
            "anomalies": list(risk.anomalies),
            "created_at": now,
            "expires_at": now + timedelta(seconds=timeout),
            "decided_at": now if match else None,
            "reviewer_id": None,
            "reviewer_name": None,
            "notes": None,
            "whitelisted": match is not None,
            "rule_id": match.rule_ids[0] if match else None,
            "latency_ms": None,
            "_rule_ids": match.rule_ids if match else (),
        }

    async def _resume(
        self,
        principal: Principal,
        submission: Submission,
        listener: Listener[DecisionView] | None,
    ) -> SubmitOutcome:
        record = await self._by_request_id(principal, submission.request_id)
        if record is None:
            raise ServiceUnavailable("the command could not be stored; nothing was created")
        if record.command != submission.command or record.target != submission.target:
            raise RequestIdConflict(request_id=submission.request_id, command_id=record.id)
        if record.is_pending and listener is not None:
            self._attach(record.id, listener)
            # The decision may have been published between our read and the
            # subscription; read again so it cannot be missed.
            record = await self._by_request_id(principal, submission.request_id) or record
            if not record.is_pending:
                self._drop_listener(record.id, listener)
        return SubmitOutcome(record, created=False)

    async def _by_request_id(self, principal: Principal, request_id: str) -> CommandRecord | None:
        async with self._db.read() as conn:
            row = (
                await conn.execute(
                    select(Command).where(
                        Command.agent_id == principal.id, Command.request_id == request_id
                    )
                )
            ).first()
        return CommandRecord.from_row(row._mapping) if row else None

    def _attach(self, command_id: str, listener: Listener[DecisionView]) -> None:
        listeners = self._attached.setdefault(command_id, set())
        if listener not in listeners:  # a connection re-sending its own submit
            listeners.add(listener)
            self.hub.subscribe(command_id, listener)
        self.scheduler.resume(command_id)

    def _drop_listener(self, command_id: str, listener: Listener[DecisionView] | None) -> None:
        if listener is None:
            return
        self.hub.unsubscribe(command_id, listener)
        listeners = self._attached.get(command_id)
        if listeners is not None:
            listeners.discard(listener)
            if not listeners:
                del self._attached[command_id]

    # ------------------------------------------------------------------ decide

    async def decide(
        self,
        principal: Principal,
        command_id: str,
        *,
        approve: bool,
        note: str | None = None,
        whitelist: WhitelistRuleSpec | None = None,
    ) -> CommandRecord:
        """A reviewer's approval or denial; optionally whitelist the command in the same step."""
        if principal.role is not Role.REVIEWER:
            raise ExpactiError("only reviewers decide")  # routes enforce this; belt and braces
        _check_note(note)
        if whitelist is not None and not approve:
            raise InvalidRequest("only an approval can add a whitelist rule")
        status = Status.APPROVED if approve else Status.DENIED
        rule = None
        async with self._db.write() as conn:
            record = await self._load(conn, principal, command_id)
            spec = _rule_for(record, whitelist) if whitelist is not None else None
            decided = await finalize(conn, record, status=status, actor=principal.actor, notes=note)
            if spec is not None:
                rule = await insert_rule(
                    conn, principal=principal, spec=spec, from_command_id=record.id
                )
        if rule is not None:
            self._whitelist.put(rule.org_id, [index_rule(rule)])
        self._announce(decided)
        return decided

    async def cancel(
        self,
        principal: Principal,
        *,
        command_id: str | None = None,
        request_id: str | None = None,
        reason: str | None = None,
    ) -> CommandRecord:
        """An agent withdraws its command. A command already decided keeps its decision."""
        _check_note(reason)
        async with self._db.write() as conn:
            if command_id is not None:
                record = await self._load(conn, principal, command_id)
            else:
                found = await self._by_request_id(principal, request_id or "")
                if found is None:
                    raise NotFound("no such command", request_id=request_id)
                record = found
            if not record.is_pending:
                return record
            decided = await finalize(
                conn,
                record,
                status=Status.CANCELLED,
                actor=principal.actor,
                notes=reason or "cancelled by the agent",
            )
        self._announce(decided)
        return decided

    async def _time_out(self, command_id: str) -> None:
        await self._system_decision(command_id, Status.TIMED_OUT, None)

    async def _abandon(self, command_id: str) -> None:
        if self._attached.get(command_id):
            return  # an agent came back within the window
        await self._system_decision(command_id, Status.CANCELLED, "agent disconnected")

    async def _system_decision(self, command_id: str, status: Status, notes: str | None) -> None:
        async with self._db.write() as conn:
            row = (await conn.execute(select(Command).where(Command.id == command_id))).first()
            if row is None or row.status != Status.PENDING:
                return
            record = CommandRecord.from_row(row._mapping)
            if notes is None:
                waited = round((record.expires_at - record.created_at).total_seconds())
                notes = f"no decision within {waited} s"
            decided = await finalize(conn, record, status=status, actor=SYSTEM, notes=notes)
        self._announce(decided)

    def _announce(self, record: CommandRecord) -> None:
        """Tell everyone waiting; only ever called after the decision has committed."""
        self.scheduler.forget(record.id)
        self._attached.pop(record.id, None)
        decision = record.decision()
        if decision is not None:
            self.hub.publish(record.id, decision)

    def detach(self, command_ids: list[str], listener: Listener[DecisionView]) -> None:
        """A connection that waited on these commands is gone: start their resume windows."""
        for command_id in command_ids:
            self._drop_listener(command_id, listener)
            if not self._attached.get(command_id):
                self.scheduler.schedule_abandon(command_id, self._resume_window)

    # -------------------------------------------------------------------- read

    async def get(self, principal: Principal, command_id: str) -> CommandRecord:
        """A command the caller may see: any of a reviewer's org, or an agent's own."""
        async with self._db.read() as conn:
            return await self._load(conn, principal, command_id)

    async def wait(self, principal: Principal, command_id: str, seconds: float) -> CommandRecord:
        """The command as soon as it is decided, or as it is after ``seconds``."""
        record = await self.get(principal, command_id)
        if not record.is_pending or seconds <= 0:
            return record
        decided: asyncio.Future[DecisionView] = asyncio.get_running_loop().create_future()

        def listener(decision: DecisionView) -> None:
            if not decided.done():
                decided.set_result(decision)

        self.hub.subscribe(command_id, listener)
        try:
            record = await self.get(principal, command_id)
            if record.is_pending:
                try:
                    await asyncio.wait_for(decided, timeout=seconds)
                except TimeoutError:
                    return record
        finally:
            self.hub.unsubscribe(command_id, listener)
        return await self.get(principal, command_id)

    async def list(
        self,
        principal: Principal,
        *,
        status: Status | None = None,
        before: str | None = None,
        limit: int = 50,
    ) -> list[CommandRecord]:
        """The org's commands, newest first, paged by ``before`` (a command id)."""
        query = select(Command).where(Command.org_id == principal.org_id)
        if status is not None:
            query = query.where(Command.status == status)
        if before is not None:
            query = query.where(Command.id < before)
        query = query.order_by(Command.id.desc()).limit(limit)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
        return [CommandRecord.from_row(row._mapping) for row in rows]

    async def _load(
        self, conn: AsyncConnection, principal: Principal, command_id: str
    ) -> CommandRecord:
        query = select(Command).where(Command.id == command_id)
        if principal.role is Role.AGENT:
            query = query.where(Command.agent_id == principal.id)
        else:
            query = query.where(Command.org_id == principal.org_id)
        row = (await conn.execute(query)).first()
        if row is None:
            # The same answer whether the command does not exist or belongs to
            # another org, so ids cannot be probed across organisations.
            raise NotFound("no such command", command_id=command_id)
        return CommandRecord.from_row(row._mapping)


def _rule_for(record: CommandRecord, spec: WhitelistRuleSpec) -> WhitelistRuleCreate:
    if not record.is_pending:
        raise AlreadyDecided(command_id=record.id, decision=record.status)
    return WhitelistRuleCreate(
        pattern=spec.pattern if spec.pattern is not None else record.command,
        type=spec.type,
        scope=spec.scope,
        ttl_seconds=spec.ttl_seconds,
    )


def _check_note(note: str | None) -> None:
    if note is not None and len(note) > MAX_NOTE_LENGTH:
        raise InvalidRequest(f"notes are limited to {MAX_NOTE_LENGTH} characters")
