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
from dataclasses import dataclass
from typing import TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.agent_sessions.service import AgentSessionService
from expacti_server.approvals.audience import may_decide, requirement_of
from expacti_server.approvals.service import ApprovalService
from expacti_server.audit import service as audit
from expacti_server.audit.actor import SYSTEM
from expacti_server.audit.models import AuditEvent
from expacti_server.commands import queries
from expacti_server.commands.activity_loader import ActivityLoader
from expacti_server.commands.intake import Intake, SubmitOutcome
from expacti_server.commands.quota import PendingQuota
from expacti_server.commands.record import CommandRecord, DecisionView, WaitEvent
from expacti_server.commands.reviewer_news import ReviewerNews
from expacti_server.commands.status import Status
from expacti_server.commands.submission import Limits
from expacti_server.commands.timers import DeadlineScheduler
from expacti_server.commands.transitions import escalate, finalize
from expacti_server.commands.voting import Edit, cast_vote, prepare_edit
from expacti_server.commands.waiters import Waiters
from expacti_server.db.base import utcnow
from expacti_server.db.engine import Database
from expacti_server.encryption.service import ReviewerKeyService
from expacti_server.errors import (
    AlreadyDecided,
    InvalidRequest,
    NotFound,
    PermissionDenied,
)
from expacti_server.identity.orgs import OrgPolicy, OrgService
from expacti_server.identity.principal import Principal, Role
from expacti_server.identity.roles import ReviewerRole
from expacti_server.realtime.reviewer_feed import Viewer
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
        approvals: ApprovalService,
        sessions: AgentSessionService,
        activity: ActivityLoader,
    ) -> None:
        self._db = database
        self.news = news
        self._orgs = orgs
        self._limits = limits
        self._targets = targets
        self._approvals = approvals
        self._previewer = previewer
        self._resume_window = resume_window_seconds
        self._whitelist = whitelist
        self._observers: list[Callable[[CommandRecord], None]] = []
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
            on_pending=lambda record: news.pending(
                record, approvals.cached_owner(record.org_id, record.agent_id)
            ),
            approvals=approvals,
            sessions=sessions,
            activity=activity,
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

    def observe_decisions(self, observer: Callable[[CommandRecord], None]) -> None:
        """Call ``observer`` with every decided command, after its decision has committed.

        Observers run on the event loop inside the announcement: they must be quick
        (schedule real work) and their errors are logged, never raised.
        """
        self._observers.append(observer)

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
        edited_command: str | None = None,
    ) -> CommandRecord:
        """A reviewer's vote: it decides the command once its requirement is met.

        Returns the command, decided or (for a multi-party command still short of
        approvals) pending with this vote counted. ``edited_command`` approves an
        edited text instead; the agent then runs that. A command whose deadline has
        passed is escalated or timed out first: a late approval never counts.
        """
        if principal.role is not Role.REVIEWER:
            raise PermissionDenied("only reviewers decide")
        if not principal.may_decide:
            raise PermissionDenied("auditors have read-only access", role="auditor")
        _check_note(note)
        if whitelist is not None and not approve:
            raise InvalidRequest("only an approval can add a whitelist rule")
        if edited_command is not None and not approve:
            raise InvalidRequest("only an approval can edit the command")
        org = await self._orgs.policy_for(principal.org_id)
        record = await self.get(principal, command_id)
        if not record.is_pending:
            raise _already_decided(record)
        edit = await prepare_edit(
            principal,
            record,
            edited_command,
            limits=self._limits,
            policies=await self._approvals.policies_for(principal.org_id),
            target_groups=self._targets.groups_of(principal.org_id, record.target),
            senior_risk_threshold=org.senior_risk_threshold,
        )
        if whitelist is not None:
            if requirement_of(record).required > 1:
                raise InvalidRequest(
                    "this command needs several approvals; add a rule once it is approved",
                    command_id=record.id,
                )
            # Checked before anything is decided: a refused rule leaves the command pending.
            spec = _rule_for(record, whitelist, scope_given=whitelist_scope_given, edit=edit)
            if not confirm_denied_matches:
                await self._previewer.refuse_if_denied_matches(
                    principal.org_id,
                    RuleDraft(pattern=spec.pattern, type=spec.type, scope=spec.scope),
                    exclude_command_id=record.id,
                )

        async def transition() -> tuple[CommandRecord, bool]:
            rule: WhitelistRule | None = None
            async with self._db.write() as conn:
                record = await queries.visible(conn, principal, command_id, for_update=True)
                if not record.is_pending:
                    raise _already_decided(record)
                expired = None
                if record.expires_at <= utcnow():
                    expired = await self._expire(conn, record, org)
                    record = expired.record
                if not record.is_pending:
                    timed_out = record
                else:
                    timed_out = None
                    voted = await cast_vote(
                        conn,
                        principal,
                        record,
                        approve=approve,
                        note=note,
                        edit=edit,
                        approvals=self._approvals,
                    )
                    if not voted.is_pending and whitelist is not None:
                        spec = _rule_for(
                            record, whitelist, scope_given=whitelist_scope_given, edit=edit
                        )
                        if voted.status == Status.APPROVED:
                            rule = await insert_rule(
                                conn, principal=principal, spec=spec, from_command_id=record.id
                            )
            if expired is not None:
                # Escalated (the vote below still counts) or timed out (it does not).
                self._after_expiry(expired)
            if timed_out is not None:
                return timed_out, False
            if rule is not None:
                self._whitelist.put([rule])
            if voted.is_pending:
                self._progress(voted)
            else:
                self._announce(voted)
            return voted, True

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
        """The deadline passed: escalate once if the org says so, else time the command out."""
        async with self._db.read() as conn:
            found = await queries.by_id(conn, command_id)
        if found is None or not found.is_pending:
            return
        org = await self._orgs.policy_for(found.org_id)

        async def transition() -> None:
            async with self._db.write() as conn:
                record = await queries.by_id(conn, command_id)
                if record is None or not record.is_pending:
                    return
                if record.expires_at > utcnow():
                    # Extended meanwhile (an escalation): wait for the new deadline.
                    self.scheduler.schedule_timeout(record.id, record.expires_at)
                    return
                try:
                    expired = await self._expire(conn, record, org)
                except AlreadyDecided:
                    return
            self._after_expiry(expired)

        await _finish(transition)

    async def _expire(
        self, conn: AsyncConnection, record: CommandRecord, org: OrgPolicy
    ) -> Expired:
        """Escalate a command whose deadline passed (once, when the org escalates), or time it
        out. Never an approval."""
        if org.timeout_action == "escalate" and record.escalated_at is None:
            next_tier = requirement_of(record).min_role.next_tier()
            # Extended by the wait it was given: the next tier gets as long as the first.
            waited = max(1, round((record.expires_at - record.created_at).total_seconds()))
            escalated = await escalate(
                conn, record, extend_seconds=waited, next_tier=next_tier.value
            )
            if escalated is not None:
                owner = await self._approvals.owner_in(conn, record.agent_id)
                return Expired(escalated, next_tier, owner)
        return Expired(await _time_out_now(conn, record), None, None)

    def _after_expiry(self, expired: Expired) -> None:
        """After the commit: announce a timeout, or re-arm and tell of an escalation."""
        record = expired.record
        if not record.is_pending:
            self._announce(record)
            return
        self.scheduler.schedule_timeout(record.id, record.expires_at)
        self.waiters.progress(record.progress())
        if expired.next_tier is not None:
            self.news.escalated(record, expired.owner, expired.next_tier)

    def _progress(self, record: CommandRecord) -> None:
        """A vote that did not decide: the agent sees progress, screens the updated card."""
        self.waiters.progress(record.progress())
        self.news.updated(record, self._approvals.cached_owner(record.org_id, record.agent_id))

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
        for observer in self._observers:
            try:
                observer(record)
            except Exception:
                log.exception("decision observer failed", command_id=record.id)

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

        def listener(decision: WaitEvent) -> None:
            if isinstance(decision, DecisionView) and not decided.done():
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

    async def queue_for(self, principal: Principal, viewer: Viewer) -> list[CommandRecord]:
        """The pending commands ``viewer`` may decide, oldest first: their queue."""
        records = await self.queue(principal)
        owners = {
            agent_id: await self._approvals.owner_of(principal.org_id, agent_id)
            for agent_id in {record.agent_id for record in records}
        }
        return [r for r in records if may_decide(r, viewer, owners[r.agent_id])]

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


@dataclass(frozen=True, slots=True)
class Expired:
    """A command past its deadline: timed out, or escalated to ``next_tier``."""

    record: CommandRecord
    next_tier: ReviewerRole | None
    owner: str | None


def _rule_for(
    record: CommandRecord, spec: WhitelistRuleSpec, *, scope_given: bool, edit: Edit | None = None
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
        pattern=spec.pattern
        if spec.pattern is not None
        else (edit.text if edit is not None else record.command_to_run),
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
