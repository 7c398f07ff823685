"""Organisation policy (timeout and its action, routing threshold, working hours, egress
allow-list), cached for the hot path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select, update

from expacti_server.audit import service as audit
from expacti_server.db.engine import Database
from expacti_server.errors import InvalidRequest, NotFound
from expacti_server.identity.models import Org
from expacti_server.identity.principal import Principal
from expacti_server.identity.service import (
    MAX_TIMEOUT_SECONDS,
    MIN_TIMEOUT_SECONDS,
    check_timeout_policy,
)
from expacti_server.policy.working_hours import WorkingHours

TimeoutAction = Literal["deny", "escalate"]
MAX_EGRESS_HOSTS = 200
MAX_RETENTION_DAYS = 3650


class WorkingHoursBody(BaseModel):
    """When reviewers are expected at their desks."""

    timezone: str = Field(description="IANA time zone, e.g. Europe/Berlin.", max_length=64)
    days: list[int] = Field(description="ISO weekdays, 1 = Monday … 7 = Sunday.", max_length=7)
    start: str = Field(description="HH:MM, local time.", pattern=r"^\d{2}:\d{2}$")
    end: str = Field(
        description="HH:MM, local time; earlier than start for a night shift.",
        pattern=r"^\d{2}:\d{2}$",
    )


class OrgView(BaseModel):
    """An organisation and its policy."""

    id: str
    name: str
    timeout_seconds: int = Field(
        description="Seconds a command waits for a decision before it is timed out (auto-deny)."
    )
    timeout_action: TimeoutAction = Field(
        description="deny: a timeout denies. escalate: the next tier of reviewers is told and "
        "the wait is extended once by as long again, then denied."
    )
    senior_risk_threshold: int = Field(
        description="From this risk score up, only seniors and admins may decide "
        "(unless an approval policy says otherwise). 101 turns it off."
    )
    working_hours: WorkingHoursBody | None
    egress_allow_list: list[str] = Field(
        description="Hosts (or .suffixes) data may be sent to without the exfiltration rule firing."
    )
    record_input: bool = Field(
        description="Whether what is typed into a recorded terminal is recorded too (off by "
        "default: input may hold secrets)."
    )
    recording_retention_days: int | None = Field(
        description="Recordings are deleted this many days after they finish; null keeps them."
    )


class OrgUpdate(BaseModel):
    """Policy fields to change; the ones left out stay as they are."""

    timeout_seconds: int | None = Field(
        default=None, ge=MIN_TIMEOUT_SECONDS, le=MAX_TIMEOUT_SECONDS
    )
    timeout_action: TimeoutAction | None = None
    senior_risk_threshold: int | None = Field(default=None, ge=0, le=101)
    working_hours: WorkingHoursBody | None = Field(
        default=None, description="Send null to clear them."
    )
    egress_allow_list: list[str] | None = Field(default=None, max_length=MAX_EGRESS_HOSTS)
    record_input: bool | None = None
    recording_retention_days: int | None = Field(
        default=None, ge=1, le=MAX_RETENTION_DAYS, description="Send null to keep recordings."
    )


@dataclass(frozen=True, slots=True)
class OrgPolicy:
    """What the submit path needs to know about an org."""

    timeout_seconds: int
    timeout_action: TimeoutAction
    senior_risk_threshold: int
    working_hours: WorkingHours | None
    egress_allow_list: tuple[str, ...]
    record_input: bool = False
    recording_retention_days: int | None = None


class OrgService:
    """Reads and changes organisation policy; keeps each org's policy in memory."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._policies: dict[str, OrgPolicy] = {}

    async def policy_for(self, org_id: str) -> OrgPolicy:
        """The org's policy, from memory after the first read."""
        cached = self._policies.get(org_id)
        if cached is not None:
            return cached
        await self._load(org_id)
        return self._policies[org_id]

    async def timeout_for(self, org_id: str) -> int:
        """The org's decision timeout in seconds."""
        return (await self.policy_for(org_id)).timeout_seconds

    async def get(self, principal: Principal) -> OrgView:
        """The caller's organisation."""
        return await self._load(principal.org_id)

    async def update(self, principal: Principal, change: OrgUpdate) -> OrgView:
        """Change the org's policy; applies to commands submitted afterwards."""
        values = _checked_values(change)
        if not values:
            return await self._load(principal.org_id)
        columns = [getattr(Org, name) for name in values]
        async with self._db.write() as conn:
            row = (await conn.execute(select(*columns).where(Org.id == principal.org_id))).first()
            if row is None:
                raise NotFound("no such organisation")
            before = dict(row._mapping)
            await conn.execute(update(Org).where(Org.id == principal.org_id).values(**values))
            await audit.record(
                conn,
                org_id=principal.org_id,
                actor=principal.actor,
                action="org.policy_changed",
                data={
                    name: {"before": before[name], "after": value}
                    for name, value in values.items()
                    if before[name] != value
                },
            )
        self._policies.pop(principal.org_id, None)
        return await self._load(principal.org_id)

    async def _load(self, org_id: str) -> OrgView:
        async with self._db.read() as conn:
            row = (await conn.execute(select(Org).where(Org.id == org_id))).first()
        if row is None:
            raise NotFound("no such organisation")
        org = Org(**row._mapping)
        hours = WorkingHours.parse(org.working_hours) if org.working_hours else None
        self._policies[org_id] = OrgPolicy(
            timeout_seconds=org.timeout_seconds,
            timeout_action="escalate" if org.timeout_action == "escalate" else "deny",
            senior_risk_threshold=org.senior_risk_threshold,
            working_hours=hours,
            egress_allow_list=tuple(org.egress_allow_list or ()),
            record_input=org.record_input,
            recording_retention_days=org.recording_retention_days,
        )
        return OrgView(
            id=org.id,
            name=org.name,
            timeout_seconds=org.timeout_seconds,
            timeout_action=self._policies[org_id].timeout_action,
            senior_risk_threshold=org.senior_risk_threshold,
            working_hours=WorkingHoursBody(**org.working_hours) if org.working_hours else None,
            egress_allow_list=list(org.egress_allow_list or ()),
            record_input=org.record_input,
            recording_retention_days=org.recording_retention_days,
        )


def _checked_values(change: OrgUpdate) -> dict[str, Any]:
    """The columns to write, each checked; a bad value raises before anything changes."""
    values: dict[str, Any] = {}
    given = change.model_fields_set
    if change.timeout_seconds is not None:
        check_timeout_policy(change.timeout_seconds)
        values["timeout_seconds"] = change.timeout_seconds
    if change.timeout_action is not None:
        values["timeout_action"] = change.timeout_action
    if change.senior_risk_threshold is not None:
        values["senior_risk_threshold"] = change.senior_risk_threshold
    if "working_hours" in given:
        hours = change.working_hours
        if hours is None:
            values["working_hours"] = None
        else:
            data = hours.model_dump()
            try:
                WorkingHours.parse(data)
            except ValueError as exc:
                raise InvalidRequest(f"working_hours: {exc}", field="working_hours") from None
            values["working_hours"] = data
    if change.egress_allow_list is not None:
        hosts = [host.strip().lower() for host in change.egress_allow_list]
        bad = [h for h in hosts if not h or len(h) > 253 or any(c.isspace() for c in h)]
        if bad:
            raise InvalidRequest(
                "egress_allow_list entries must be host names or .suffixes",
                field="egress_allow_list",
            )
        values["egress_allow_list"] = sorted(set(hosts))
    if change.record_input is not None:
        values["record_input"] = change.record_input
    if "recording_retention_days" in given:
        values["recording_retention_days"] = change.recording_retention_days
    return values
