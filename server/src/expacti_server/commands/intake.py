"""Taking in a submission: analyse, match, store, and either decide at once or wait.

The store runs in a task of its own, shielded from the caller's cancellation:
once a command may have been committed, its timeout must be armed and its
waiter accounted for even if the agent's connection goes away mid-submit.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import structlog

from expacti_server.agent_sessions.service import AgentSessionService
from expacti_server.anomalies.service import FiredRule, anomaly_rows
from expacti_server.approvals.requirement import resolve
from expacti_server.approvals.service import ApprovalService
from expacti_server.commands import queries
from expacti_server.commands.activity_loader import ActivityLoader, program_names
from expacti_server.commands.quota import PendingQuota
from expacti_server.commands.record import CommandRecord, WaitEvent
from expacti_server.commands.status import Status
from expacti_server.commands.store import (
    DuplicateRequest,
    RuleChanged,
    RuleVersion,
    store_submission,
)
from expacti_server.commands.submission import Limits, Submission, validate_submission
from expacti_server.commands.timers import DeadlineScheduler
from expacti_server.commands.transitions import submission_audit_events
from expacti_server.commands.waiters import Waiters
from expacti_server.db.base import utcnow
from expacti_server.db.engine import Database
from expacti_server.encryption.envelope import ENCRYPTED_ANOMALY, ENCRYPTED_RISK_SCORE
from expacti_server.encryption.service import ReviewerKeyService
from expacti_server.errors import InvalidFrame, RequestIdConflict, ServiceUnavailable
from expacti_server.identity.orgs import OrgService
from expacti_server.identity.principal import Principal
from expacti_server.ids import new_id
from expacti_server.policy.analysis import analyse
from expacti_server.policy.risk import RiskContext
from expacti_server.policy.shell import parse_command
from expacti_server.realtime.hub import Listener
from expacti_server.targets.service import TargetGroupService
from expacti_server.whitelist.cache import WhitelistCache

log = structlog.get_logger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class SubmitOutcome:
    """The stored command, and whether this submission created it (False: resumed)."""

    record: CommandRecord
    created: bool


@dataclasses.dataclass(slots=True)
class _Draft:
    """A command about to be stored."""

    values: dict[str, Any]
    rules: list[RuleVersion]
    now: datetime

    @property
    def whitelisted(self) -> bool:
        return bool(self.rules)

    anomalies: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    programs: tuple[str, ...] = ()

    def demote(self) -> None:
        """A matching rule changed under us: let a human decide instead."""
        self.rules = []
        self.values.update(
            status=Status.PENDING,
            decided_at=None,
            whitelisted=False,
            rule_id=None,
            latency_ms=None,
        )


class Intake:
    """Turns submissions into stored commands."""

    def __init__(
        self,
        *,
        database: Database,
        limits: Limits,
        resume_window_seconds: float,
        orgs: OrgService,
        whitelist: WhitelistCache,
        targets: TargetGroupService,
        keys: ReviewerKeyService,
        waiters: Waiters,
        quota: PendingQuota,
        scheduler: DeadlineScheduler,
        on_pending: Callable[[CommandRecord], None],
        approvals: ApprovalService,
        sessions: AgentSessionService,
        activity: ActivityLoader,
    ) -> None:
        self._approvals = approvals
        self._sessions = sessions
        self._activity = activity
        self._db = database
        self._on_pending = on_pending
        self._limits = limits
        self._resume_window = resume_window_seconds
        self._orgs = orgs
        self._whitelist = whitelist
        self._targets = targets
        self._keys = keys
        self._waiters = waiters
        self._quota = quota
        self._scheduler = scheduler

    async def submit(
        self,
        principal: Principal,
        submission: Submission,
        *,
        origin: str,
        listener: Listener[WaitEvent] | None = None,
        received_at: float | None = None,
    ) -> SubmitOutcome:
        """Store a new command (deciding it at once if whitelisted), or resume an existing one.

        ``listener`` (an agent connection) is attached before anything is
        stored, so it cannot miss a decision; it may be called more than once
        for one command and must ignore repeats.
        """
        received_at = received_at if received_at is not None else time.perf_counter()
        submission = validate_submission(submission, self._limits)
        if submission.envelope is not None:
            try:
                await self._keys.check_recipients(principal.org_id, submission.envelope)
            except InvalidFrame:
                # A key revoked since the first send must not stop a resume of that send.
                if await self.find(principal, submission.request_id) is None:
                    raise
                return await self._resume(principal, submission, listener)
        draft = await self._draft(principal, submission, origin=origin, received_at=received_at)
        work = asyncio.ensure_future(self._store(principal, submission, draft, listener))
        try:
            return await asyncio.shield(work)
        except asyncio.CancelledError:
            if listener is not None:
                work.add_done_callback(lambda done: self._orphaned(done, listener))
            raise

    async def _draft(
        self, principal: Principal, submission: Submission, *, origin: str, received_at: float
    ) -> _Draft:
        org = await self._orgs.policy_for(principal.org_id)
        timeout = min(submission.timeout_seconds or org.timeout_seconds, org.timeout_seconds)
        now = utcnow()
        groups = self._targets.groups_of(principal.org_id, submission.target)
        policies = await self._approvals.policies_for(principal.org_id)
        await self._approvals.owner_of(principal.org_id, principal.id)  # warms the cache
        findings: list[FiredRule]
        if submission.envelope is not None:
            # The server cannot read it, so it cannot vouch for it: a human decides,
            # and the score says it was not computed from the text.
            parsed = parse_command("")
            score, anomalies = ENCRYPTED_RISK_SCORE, [ENCRYPTED_ANOMALY]
            findings = [FiredRule(ENCRYPTED_ANOMALY, ENCRYPTED_RISK_SCORE, "end-to-end encrypted")]
            requirement = resolve(
                policies,
                parsed,
                target=submission.target,
                target_groups=groups,
                risk_score=score,
                senior_risk_threshold=org.senior_risk_threshold,
                unknown_text=True,
            )
            match = None
            programs: tuple[str, ...] = ()
        else:
            context = RiskContext(
                agent_id=principal.id,
                target=submission.target,
                now=now,
                working_hours=org.working_hours,
                egress_allow_list=org.egress_allow_list,
                history=await self._activity.history(principal),
            )
            parsed, risk = await analyse(submission.command, context)
            score, anomalies = risk.score, list(risk.anomalies)
            findings = [FiredRule(f.rule_id, f.score, f.reason, f.failed) for f in risk.findings]
            requirement = resolve(
                policies,
                parsed,
                target=submission.target,
                target_groups=groups,
                risk_score=score,
                senior_risk_threshold=org.senior_risk_threshold,
            )
            # A rule pre-approves routine work only: what routing sends to a senior, or to
            # several reviewers, always goes to humans.
            match = (
                self._whitelist.index_for(principal.org_id).match(
                    parsed, target=submission.target, target_groups=groups, now=now.timestamp()
                )
                if requirement.routine
                else None
            )
            programs = program_names(parsed)
        session_id = (
            await self._sessions.ensure(principal, submission.session)
            if submission.session is not None
            else None
        )
        rules = [(rid, self._whitelist.version(rid)) for rid in match.rule_ids] if match else []
        values = {
            "id": new_id("cmd"),
            "org_id": principal.org_id,
            "agent_id": principal.id,
            "agent_name": principal.name,
            "request_id": submission.request_id,
            "command": submission.command,
            "parts": list(parsed.parts) if submission.envelope is None else [],
            "target": submission.target,
            "session": submission.session,
            "context": submission.context,
            "origin": origin,
            "status": Status.APPROVED if match else Status.PENDING,
            "risk_score": score,
            "anomalies": anomalies,
            "created_at": now,
            "expires_at": now + timedelta(seconds=timeout),
            "decided_at": now if match else None,
            "reviewer_id": None,
            "reviewer_name": None,
            "notes": None,
            "whitelisted": match is not None,
            "rule_id": match.rule_ids[0] if match else None,
            "latency_ms": (time.perf_counter() - received_at) * 1000.0 if match else None,
            "encrypted": submission.encrypted_json,
            "session_id": session_id,
            "requirement": requirement.as_json(),
            "approvals": None,
            "escalated_at": None,
            "approved_command": None,
        }
        return _Draft(
            values=values,
            rules=rules,
            now=now,
            anomalies=anomaly_rows(findings, command=values, at=now),
            programs=programs,
        )

    async def _store(
        self,
        principal: Principal,
        submission: Submission,
        draft: _Draft,
        listener: Listener[WaitEvent] | None,
    ) -> SubmitOutcome:
        command_id = draft.values["id"]
        for attempt in range(2):
            if not draft.whitelisted:
                self._quota.check(org_id=principal.org_id, agent_id=principal.id)
                if listener is not None and draft.values["origin"] == "ws":
                    self._waiters.attach_agent(command_id, listener)
            try:
                await store_submission(
                    self._db,
                    command=draft.values,
                    audit_events=submission_audit_events(
                        principal, draft.values, draft.now, tuple(r for r, _ in draft.rules)
                    ),
                    rules=draft.rules,
                    at=draft.now,
                    anomalies=draft.anomalies,
                )
            except RuleChanged:
                if attempt:
                    raise
                draft.demote()
                continue
            except DuplicateRequest:
                self._drop(command_id, listener)
                return await self._resume(principal, submission, listener)
            except Exception as exc:
                self._drop(command_id, listener)
                raise ServiceUnavailable(
                    "the command could not be stored; nothing was created"
                ) from exc
            break
        record = CommandRecord.from_row(draft.values)
        self._activity.record(principal, draft.programs, record.target, draft.now)
        if not draft.whitelisted:
            self._quota.add(command_id, org_id=principal.org_id, agent_id=principal.id)
            self._scheduler.schedule_timeout(command_id, draft.values["expires_at"])
            self._on_pending(record)
        return SubmitOutcome(record, created=True)

    async def _resume(
        self,
        principal: Principal,
        submission: Submission,
        listener: Listener[WaitEvent] | None,
    ) -> SubmitOutcome:
        record = await self.find(principal, submission.request_id)
        if record is None:
            raise ServiceUnavailable("the command could not be stored; nothing was created")
        if (
            record.command != submission.command
            or record.target != submission.target
            or record.encrypted != submission.encrypted_json
        ):
            raise RequestIdConflict(request_id=submission.request_id, command_id=record.id)
        if record.is_pending and listener is not None:
            if record.origin == "ws":
                self._waiters.attach_agent(record.id, listener)
                self._scheduler.resume(record.id)
            else:
                # An HTTP command is not tied to a connection: listen, but never
                # let this socket's departure cancel it.
                self._waiters.listen(record.id, listener)
            # The decision may have been published between our read and the
            # subscription; read again so it cannot be missed.
            record = await self.find(principal, submission.request_id) or record
            if not record.is_pending:
                self._drop(record.id, listener)
        return SubmitOutcome(record, created=False)

    async def find(self, principal: Principal, request_id: str) -> CommandRecord | None:
        """The agent's command with this request_id, if any."""
        async with self._db.read() as conn:
            return await queries.by_request_id(conn, principal, request_id)

    def detach(self, command_ids: list[str], listener: Listener[WaitEvent]) -> None:
        """A connection that waited on these commands is gone: start their resume windows."""
        for command_id in command_ids:
            if self._waiters.drop(command_id, listener):
                self._scheduler.schedule_abandon(command_id, self._resume_window)

    def _drop(self, command_id: str, listener: Listener[WaitEvent] | None) -> None:
        if listener is not None:
            self._waiters.drop(command_id, listener)

    def _orphaned(self, done: asyncio.Future[SubmitOutcome], listener: Listener[WaitEvent]) -> None:
        """The submitting connection was cancelled while its command was being stored."""
        if done.cancelled() or done.exception() is not None:
            return  # nothing was stored; the failure path already dropped the listener
        record = done.result().record
        if record.is_pending:
            self.detach([record.id], listener)
