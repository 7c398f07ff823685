"""The approval lifecycle: submit, decide, time out, cancel, resume, wait.

Three rules hold everywhere in this module:

* A decision is committed to the database before anyone is told: waiters
  hear of it only after the transaction that stored it has committed.
* A decision is final: every transition is ``UPDATE … WHERE status =
  'pending'``, so of two racing decisions exactly one changes a row and the
  other gets ``AlreadyDecided``.
* A transition, once started, finishes: it runs shielded from the caller's
  cancellation, so a reviewer who disconnects mid-click cannot leave a
  committed decision unannounced.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.audit import service as audit
from expacti_server.audit.actor import SYSTEM
from expacti_server.audit.models import AuditEvent
from expacti_server.commands import queries
from expacti_server.commands.intake import Intake, SubmitOutcome
from expacti_server.commands.quota import PendingQuota
from expacti_server.commands.record import CommandRecord, DecisionView
from expacti_server.commands.reviewer_news import ReviewerNews
from expacti_server.commands.status import Status
from expacti_server.commands.submission import Limits
from expacti_server.commands.timers import DeadlineScheduler
from expacti_server.commands.transitions import finalize
from expacti_server.commands.waiters import Waiters
from expacti_server.db.base import utcnow
from expacti_server.db.engine import Database
from expacti_server.encryption.service import ReviewerKeyService, holds_recipient_key
from expacti_server.errors import (
    AlreadyDecided,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    UnreadableCommand,
)
from expacti_server.identity.orgs import OrgService
from expacti_server.identity.principal import Principal, Role
from expacti_server.targets.service import TargetGroupService
from expacti_server.whitelist.cache import WhitelistCache
from expacti_server.whitelist.models import WhitelistRule
from expacti_server.whitelist.preview import RuleDraft, RulePreviewer
from expacti_server.whitelist.schemas import WhitelistRuleCreate, WhitelistRuleSpec
from expacti_server.whitelist.service import insert_rule

log = structlog.get_logger(__name__)

MAX_NOTE_LENGTH = 4000
T = TypeVar("T")

__all__ = ["CommandService", "SubmitOutcome"]


class CommandService:
    """Owns every state change of a command."""

    def __init__(
        self,
        *,
        database: Database,
        limits: Limits,
        resume_window_seconds: float,
        max_pending_per_agent: int,
        max_pending_per_org: int,
        orgs: OrgService,
        whitelist: WhitelistCache,
        targets: TargetGroupService,
        keys: ReviewerKeyService,
        news: ReviewerNews,
        previewer: RulePreviewer,
    ) -> None:
        self._db = database
        self.news = news
        self._previewer = previewer
        self._resume_window = resume_window_seconds
        self._whitelist = whitelist
        self.waiters = Waiters()
        self.scheduler = DeadlineScheduler(on_timeout=self._time_out, on_abandoned=self._abandon)
        self._quota = PendingQuota(per_agent=max_pending_per_agent, per_org=max_pending_per_org)
        self._intake = Intake(
            database=database,
            limits=limits,
            resume_window_seconds=resume_window_seconds,
            orgs=orgs,
            whitelist=whitelist,
            targets=targets,
            keys=keys,
            waiters=self.waiters,
            quota=self._quota,
            scheduler=self.scheduler,
            on_pending=news.pending,
        )
        # Submitting is the intake's job; the service exposes it unchanged.
        self.submit = self._intake.submit
        self.detach = self._intake.detach

    async def recover(self) -> int:
        """Re-arm deadlines and quotas of every pending command after a (re)start."""
        async with self._db.read() as conn:
            records = await queries.pending(conn)
        for record in records:
            self._quota.add(record.id, org_id=record.org_id, agent_id=record.agent_id)
            self.scheduler.schedule_timeout(record.id, record.expires_at)
            if record.origin == "ws":
                self.scheduler.schedule_abandon(record.id, self._resume_window)
        return len(records)

    # -------------------------------------------------------------- deciding

    async def decide(
        self,
        principal: Principal,
        command_id: str,
        *,
        approve: bool,
        note: str | None = None,
        whitelist: WhitelistRuleSpec | None = None,
        whitelist_scope_given: bool = True,
        confirm_denied_matches: bool = False,
    ) -> CommandRecord:
        """A reviewer's approval or denial; optionally whitelist the command in the same step.

        A command whose deadline has passed is timed out instead, even if its
        timer has not fired yet: a late approval never counts.
        """
        if principal.role is not Role.REVIEWER:
            raise PermissionDenied("only reviewers decide")
        _check_note(note)
        if whitelist is not None and not approve:
            raise InvalidRequest("only an approval can add a whitelist rule")
        status = Status.APPROVED if approve else Status.DENIED
        if whitelist is not None:
            # Checked before anything is decided: a refused rule leaves the command pending.
            record = await self.get(principal, command_id)
            if not record.is_pending:
                raise _already_decided(record)
            spec = _rule_for(record, whitelist, scope_given=whitelist_scope_given)
            if not confirm_denied_matches:
                await self._previewer.refuse_if_denied_matches(
                    principal.org_id,
                    RuleDraft(pattern=spec.pattern, type=spec.type, scope=spec.scope),
                    exclude_command_id=record.id,
                )

        async def transition() -> tuple[CommandRecord, bool]:
            rule: WhitelistRule | None = None
            async with self._db.write() as conn:
                record = await queries.visible(conn, principal, command_id)
                if not record.is_pending:
                    raise _already_decided(record)
                if (
                    approve
                    and record.encrypted is not None
                    and not await holds_recipient_key(conn, principal, record.encrypted)
                ):
                    # Nobody approves what they cannot read; denying stays open to all.
                    raise UnreadableCommand(command_id=record.id)
                if record.expires_at <= utcnow():
                    decided = await _time_out_now(conn, record)
                else:
                    decided = await finalize(
                        conn, record, status=status, actor=principal.actor, notes=note
                    )
                    if whitelist is not None:
                        spec = _rule_for(record, whitelist, scope_given=whitelist_scope_given)
                        rule = await insert_rule(
                            conn, principal=principal, spec=spec, from_command_id=record.id
                        )
            if rule is not None:
                self._whitelist.put([rule])
            self._announce(decided)
            return decided, decided.status == status

        try:
            decided, as_asked = await _finish(transition)
        except AlreadyDecided as lost:
            if "decision" in lost.details:
                raise
            # Lost the race inside the UPDATE (PostgreSQL): say who won.
            raise _already_decided(await self.get(principal, command_id)) from None
        if not as_asked:
            raise AlreadyDecided(
                "the command timed out before the decision",
                command_id=decided.id,
                decision=decided.status,
            )
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

        async def transition() -> CommandRecord:
            async with self._db.write() as conn:
                if command_id is not None:
                    record = await queries.visible(conn, principal, command_id)
                else:
                    found = await queries.by_request_id(conn, principal, request_id or "")
                    if found is None:
                        raise NotFound("no such command", request_id=request_id)
                    record = found
                if not record.is_pending:
                    return record
                try:
                    decided = await finalize(
                        conn,
                        record,
                        status=Status.CANCELLED,
                        actor=principal.actor,
                        notes=reason or "cancelled by the agent",
                    )
                except AlreadyDecided:
                    # Lost a race (PostgreSQL has no process-wide write lock):
                    # the decision that won stands; answer with it.
                    decided = None
            if decided is None:
                return await self.get(principal, record.id)
            self._announce(decided)
            return decided

        return await _finish(transition)

    async def _time_out(self, command_id: str) -> None:
        await self._system_decision(command_id, Status.TIMED_OUT, None)

    async def _abandon(self, command_id: str) -> None:
        await self._system_decision(
            command_id,
            Status.CANCELLED,
            "agent disconnected",
            still_wanted=lambda: not self.waiters.agent_attached(command_id),
        )

    async def _system_decision(
        self,
        command_id: str,
        status: Status,
        notes: str | None,
        still_wanted: Callable[[], bool] = lambda: True,
    ) -> None:
        async def transition() -> None:
            async with self._db.write() as conn:
                record = await queries.by_id(conn, command_id)
                # Checked inside the transaction: an agent may have resumed, or
                # a reviewer decided, while this waited for the write lock.
                if record is None or not record.is_pending or not still_wanted():
                    return
                try:
                    if status is Status.TIMED_OUT:
                        decided = await _time_out_now(conn, record)
                    else:
                        decided = await finalize(
                            conn, record, status=status, actor=SYSTEM, notes=notes
                        )
                except AlreadyDecided:
                    return
            self._announce(decided)

        await _finish(transition)

    def _announce(self, record: CommandRecord) -> None:
        """Tell everyone waiting; only ever called after the decision has committed."""
        self.scheduler.forget(record.id)
        self._quota.remove(record.id)
        decision = record.decision()
        if decision is not None:
            self.waiters.publish(decision)
        self.news.decided(record)

    # --------------------------------------------------------------- reading

    async def get(self, principal: Principal, command_id: str) -> CommandRecord:
        """A command the caller may see: any of a reviewer's org, or an agent's own."""
        async with self._db.read() as conn:
            return await queries.visible(conn, principal, command_id)

    async def wait(self, principal: Principal, command_id: str, seconds: float) -> CommandRecord:
        """The command as soon as it is decided, or as it is after ``seconds``."""
        record = await self.get(principal, command_id)
        if not record.is_pending or seconds <= 0:
            return record
        decided: asyncio.Future[DecisionView] = asyncio.get_running_loop().create_future()

        def listener(decision: DecisionView) -> None:
            if not decided.done():
                decided.set_result(decision)

        self.waiters.listen(command_id, listener)
        try:
            record = await self.get(principal, command_id)
            if record.is_pending:
                try:
                    await asyncio.wait_for(decided, timeout=seconds)
                except TimeoutError:
                    return record
        finally:
            self.waiters.drop(command_id, listener)
        return await self.get(principal, command_id)

    async def queue(self, principal: Principal) -> list[CommandRecord]:
        """The org's pending commands, oldest first."""
        async with self._db.read() as conn:
            return await queries.queue(conn, principal.org_id)

    async def trail(
        self, principal: Principal, command_id: str
    ) -> tuple[CommandRecord, list[AuditEvent]]:
        """One command of the caller's org and its audit events, oldest first, in one read."""
        async with self._db.read() as conn:
            record = await queries.visible(conn, principal, command_id)
            events = await audit.events_of_command(
                conn, org_id=principal.org_id, command_id=command_id
            )
        return record, events

    async def list(
        self,
        principal: Principal,
        *,
        where: queries.CommandFilter | None = None,
        before: str | None = None,
        limit: int = 50,
    ) -> list[CommandRecord]:
        """The org's commands matching ``where``, newest first, paged by ``before``."""
        async with self._db.read() as conn:
            return await queries.page(
                conn, principal, where=where or queries.CommandFilter(), before=before, limit=limit
            )


async def _finish(transition: Callable[[], Awaitable[T]]) -> T:
    """Run a state transition to its end even if the caller is cancelled meanwhile."""
    return await asyncio.shield(asyncio.ensure_future(transition()))


async def _time_out_now(conn: AsyncConnection, record: CommandRecord) -> CommandRecord:
    waited = round((record.expires_at - record.created_at).total_seconds())
    return await finalize(
        conn, record, status=Status.TIMED_OUT, actor=SYSTEM, notes=f"no decision within {waited} s"
    )


def _rule_for(
    record: CommandRecord, spec: WhitelistRuleSpec, *, scope_given: bool
) -> WhitelistRuleCreate:
    # Without an explicit scope, a rule made from a command for one target
    # covers that target only: the narrowest reading of what was approved.
    if spec.pattern is None and record.encrypted is not None:
        raise InvalidRequest(
            "an encrypted command's text is unknown to the server; "
            "send whitelist.pattern to add a rule",
            command_id=record.id,
        )
    scope = spec.scope
    if not scope_given and record.target:
        scope = f"target:{record.target}"
    return WhitelistRuleCreate(
        pattern=spec.pattern if spec.pattern is not None else record.command,
        type=spec.type,
        scope=scope,
        ttl_seconds=spec.ttl_seconds,
    )


def _already_decided(record: CommandRecord) -> AlreadyDecided:
    by = f" by {record.reviewer_name}" if record.reviewer_name else ""
    return AlreadyDecided(
        f"the command was already {record.status.replace('_', ' ')}{by}",
        command_id=record.id,
        decision=record.status,
        reviewer=record.reviewer_name,
        decided_at=record.decided_at.isoformat() if record.decided_at else None,
    )


def _check_note(note: str | None) -> None:
    if note is not None and len(note) > MAX_NOTE_LENGTH:
        raise InvalidRequest(f"notes are limited to {MAX_NOTE_LENGTH} characters")
