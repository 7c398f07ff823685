"""Which reviewers' screens a command is shown on: those who may decide it."""

from __future__ import annotations

from expacti_server.approvals.requirement import Requirement
from expacti_server.commands.record import CommandRecord
from expacti_server.identity.roles import ReviewerRole
from expacti_server.realtime.reviewer_feed import Audience, Viewer


def requirement_of(record: CommandRecord) -> Requirement:
    """The requirement stored on a command (the default for commands older than routing)."""
    return Requirement.from_json(record.requirement, risk_score=record.risk_score)


def may_decide(record: CommandRecord, viewer: Viewer, owner: str | None) -> bool:
    """Whether ``viewer`` may decide ``record``: a role the requirement admits, and not the
    reviewer linked to the agent that submitted it."""
    return requirement_of(record).admits(viewer.role) and viewer.reviewer_id != owner


def deciders(record: CommandRecord, owner: str | None) -> Audience:
    """The screens that should show ``record`` in their queue."""
    requirement = requirement_of(record)
    return lambda viewer: requirement.admits(viewer.role) and viewer.reviewer_id != owner


def tier(record: CommandRecord, role: ReviewerRole, owner: str | None) -> Audience:
    """The screens of reviewers at ``role`` or above who may decide ``record`` (escalation)."""
    requirement = requirement_of(record)
    return lambda viewer: (
        viewer.role.at_least(role)
        and requirement.admits(viewer.role)
        and viewer.reviewer_id != owner
    )
