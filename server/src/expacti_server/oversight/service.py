"""Whether a human who may decide for an agent is online now, and the org's working hours."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from expacti_server.approvals.requirement import Requirement, default_requirement, resolve
from expacti_server.approvals.service import ApprovalService
from expacti_server.db.base import utcnow
from expacti_server.identity.orgs import OrgService, TimeoutAction, WorkingHoursBody
from expacti_server.identity.principal import Principal, Role
from expacti_server.identity.roles import ReviewerRole
from expacti_server.policy.analysis import analyse
from expacti_server.realtime.reviewer_feed import ReviewerFeed
from expacti_server.targets.service import TargetGroupService


class OversightView(BaseModel):
    """Can a command be decided now, or would it wait into its timeout?"""

    available: bool = Field(
        description="A reviewer who may decide for this agent (and this command, when given) "
        "has the reviewer app open now."
    )
    reviewers_online: int = Field(description="Reviewers of the org with the app open.")
    eligible_online: int = Field(description="Of those, how many may decide here.")
    senior_online: int = Field(description="Seniors and admins online who may decide here.")
    required_approvals: int = Field(description="Approvals the command needs (1 without one).")
    min_role: ReviewerRole = Field(description="The least senior role that may decide it.")
    within_working_hours: bool | None = Field(
        description="Null when the org has set no working hours."
    )
    working_hours: WorkingHoursBody | None
    timeout_seconds: int
    timeout_action: TimeoutAction
    checked_at: datetime


class OversightService:
    """Answers from the live reviewer feed and the org's cached policy: no database work."""

    def __init__(
        self,
        orgs: OrgService,
        approvals: ApprovalService,
        feed: ReviewerFeed,
        targets: TargetGroupService,
    ) -> None:
        self._orgs = orgs
        self._approvals = approvals
        self._feed = feed
        self._targets = targets

    async def check(
        self,
        principal: Principal,
        *,
        command: str | None = None,
        target: str | None = None,
    ) -> OversightView:
        """Availability for the calling agent (or, for a reviewer, for any agent)."""
        org = await self._orgs.policy_for(principal.org_id)
        requirement = await self._requirement(principal, command, target, org.senior_risk_threshold)
        owner = (
            await self._approvals.owner_of(principal.org_id, principal.id)
            if principal.role is Role.AGENT
            else None
        )
        online = self._feed.viewers(principal.org_id)
        eligible = [v for v in online if requirement.admits(v.role) and v.reviewer_id != owner]
        seniors = [v for v in eligible if v.role.at_least(ReviewerRole.SENIOR)]
        now = utcnow()
        hours = org.working_hours
        view = await self._orgs.get(principal)
        return OversightView(
            available=len(eligible) >= requirement.required,
            reviewers_online=len(online),
            eligible_online=len(eligible),
            senior_online=len(seniors),
            required_approvals=requirement.required,
            min_role=requirement.min_role,
            within_working_hours=None if hours is None else hours.contains(now),
            working_hours=view.working_hours,
            timeout_seconds=org.timeout_seconds,
            timeout_action=org.timeout_action,
            checked_at=now,
        )

    async def _requirement(
        self,
        principal: Principal,
        command: str | None,
        target: str | None,
        senior_risk_threshold: int,
    ) -> Requirement:
        if command is None:
            return default_requirement(0, senior_risk_threshold)
        parsed, risk = await analyse(command)
        return resolve(
            await self._approvals.policies_for(principal.org_id),
            parsed,
            target=target,
            target_groups=self._targets.groups_of(principal.org_id, target),
            risk_score=risk.score,
            senior_risk_threshold=senior_risk_threshold,
        )
