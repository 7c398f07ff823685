"""One reviewer's vote on a pending command: checked, counted, and stored with what it decides.

Runs inside the caller's write transaction (``cast_vote``), so the vote, the
decision it may complete and their audit events commit together. An edit is
checked before that transaction (``prepare_edit``): it needs the analyser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from expacti_server.approvals.audience import requirement_of
from expacti_server.approvals.requirement import CompiledPolicy, Requirement, resolve
from expacti_server.approvals.service import ApprovalService
from expacti_server.approvals.votes import Outcome, tally
from expacti_server.audit.actor import SYSTEM
from expacti_server.commands.record import CommandRecord
from expacti_server.commands.status import Status
from expacti_server.commands.submission import Limits, check_command_text
from expacti_server.commands.transitions import finalize, record_edit, record_vote
from expacti_server.db.base import utcnow
from expacti_server.encryption.service import holds_recipient_key
from expacti_server.errors import (
    AlreadyVoted,
    InvalidRequest,
    NotEligible,
    SeparationOfDuties,
    UnreadableCommand,
)
from expacti_server.identity.principal import Principal
from expacti_server.policy.analysis import analyse


@dataclass(frozen=True, slots=True)
class Edit:
    """A reviewer's edit of the command text, checked, and what the edited text requires."""

    text: str
    requirement: Requirement


async def prepare_edit(
    principal: Principal,
    record: CommandRecord,
    edited_command: str | None,
    *,
    limits: Limits,
    policies: Sequence[CompiledPolicy],
    target_groups: frozenset[str],
    senior_risk_threshold: int,
) -> Edit | None:
    """A checked edit and the requirement of the edited text, or None for no change."""
    if edited_command is None or edited_command == record.command_to_run:
        return None
    if record.encrypted is not None:
        raise InvalidRequest(
            "an end-to-end encrypted command cannot be edited: the server cannot read it",
            command_id=record.id,
        )
    check_command_text(edited_command, limits, field="command")
    parsed, risk = await analyse(edited_command)
    requirement = resolve(
        policies,
        parsed,
        target=record.target,
        target_groups=target_groups,
        risk_score=risk.score,
        senior_risk_threshold=senior_risk_threshold,
    )
    return Edit(text=edited_command, requirement=requirement)


async def cast_vote(
    conn: AsyncConnection,
    principal: Principal,
    record: CommandRecord,
    *,
    approve: bool,
    note: str | None,
    edit: Edit | None,
    approvals: ApprovalService,
) -> CommandRecord:
    """Count one vote; returns the command, decided if the votes now decide it."""
    requirement = requirement_of(record)
    if edit is not None:
        # An edit never loosens what the command needed, and restarts the count:
        # earlier approvals were of a different text.
        requirement = requirement.stricter(edit.requirement)
    if not requirement.admits(principal.reviewer_role):
        raise NotEligible(
            f"{requirement.reason}; you are {principal.reviewer_role}",
            needs=requirement.min_role.value,
            role=principal.reviewer_role,
        )
    if approve and await approvals.owner_in(conn, record.agent_id) == principal.id:
        raise SeparationOfDuties(
            f"you are linked to agent {record.agent_name}, so you may not approve its commands",
            agent=record.agent_name,
        )
    earlier = [] if edit is not None else record.votes
    if any(vote["reviewer_id"] == principal.id for vote in earlier):
        raise AlreadyVoted(command_id=record.id)
    if (
        approve
        and record.encrypted is not None
        and not await holds_recipient_key(conn, principal, record.encrypted)
    ):
        # Nobody approves what they cannot read; denying stays open to all.
        raise UnreadableCommand(command_id=record.id)
    votes = [
        *earlier,
        {
            "reviewer_id": principal.id,
            "reviewer": principal.name,
            "role": principal.reviewer_role,
            "vote": "approve" if approve else "deny",
            "at": utcnow().isoformat(),
            "note": note,
        },
    ]
    approvers = await approvals.approvers(
        conn, org_id=record.org_id, agent_id=record.agent_id, requirement=requirement
    )
    counted = tally(requirement, votes, approvers=approvers)
    approved_command = edit.text if edit is not None else record.approved_command
    if edit is not None:
        await record_edit(conn, record, actor=principal.actor, edited=edit.text)
    if requirement.required > 1 or counted.outcome is Outcome.WAITING:
        record = await record_vote(
            conn,
            record,
            votes=votes,
            required=requirement.required,
            approved_command=approved_command,
            requirement=requirement.as_json() if edit is not None else None,
        )
    if counted.outcome is Outcome.WAITING:
        return record
    if counted.outcome is Outcome.APPROVED:
        return await finalize(
            conn,
            record,
            status=Status.APPROVED,
            actor=principal.actor,
            notes=note,
            votes=votes,
            approved_command=approved_command,
        )
    if approve:
        # This approval was the last that could come, and it is not enough: the
        # system denies, and says why (the reviewer approved; they did not deny).
        return await finalize(
            conn,
            record,
            status=Status.DENIED,
            actor=SYSTEM,
            notes=f"{requirement.required} approvals are needed and no more reviewers may "
            f"approve ({counted.approvals} approved)",
            votes=votes,
            approved_command=approved_command,
        )
    return await finalize(
        conn,
        record,
        status=Status.DENIED,
        actor=principal.actor,
        notes=note,
        votes=votes,
        approved_command=approved_command,
    )
