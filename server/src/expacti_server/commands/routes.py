"""HTTP routes of the approval lifecycle."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from expacti_server.api.auth import (
    AgentPrincipal,
    AnyPrincipal,
    DeciderPrincipal,
    ReviewerPrincipal,
    ServicesDep,
)
from expacti_server.api.errors import ERROR_RESPONSES
from expacti_server.audit.views import AuditEventView
from expacti_server.commands.queries import CommandFilter, DecidedVia
from expacti_server.commands.schemas import (
    ApproveBody,
    CancelBody,
    CommandList,
    CommandState,
    CommandSubmit,
    CommandTrail,
    CommandView,
    DenyBody,
)
from expacti_server.commands.service import SubmitOutcome
from expacti_server.commands.status import Status
from expacti_server.commands.submission import Submission
from expacti_server.db.base import as_utc
from expacti_server.errors import InvalidFrame, InvalidRequest
from expacti_server.identity.principal import Principal
from expacti_server.recording.queries import recording_of_commands
from expacti_server.services import Services

router = APIRouter(prefix="/api/v1/commands", tags=["commands"], responses=ERROR_RESPONSES)


@router.post("", status_code=201, response_model=CommandView)
async def submit_command(
    body: CommandSubmit, agent: AgentPrincipal, services: ServicesDep, response: Response
) -> CommandView:
    """Submit a command (agents). 201 when created, 200 when the request_id was known."""
    try:
        outcome = await _submit(body, agent, services)
    except InvalidFrame as error:  # the WebSocket's name for it; over HTTP it is a request
        raise InvalidRequest(error.message, **error.details) from None
    if not outcome.created:
        response.status_code = 200
    return CommandView.of(outcome.record)


async def _submit(body: CommandSubmit, agent: Principal, services: Services) -> SubmitOutcome:
    return await services.commands.submit(
        agent,
        Submission(
            request_id=body.request_id,
            command=body.command,
            target=body.target,
            session=body.session,
            context=body.context,
            timeout_seconds=body.timeout_seconds,
            encrypted=None if body.encrypted is None else body.encrypted.model_dump(),
        ),
        origin="http",
    )


@router.get("", response_model=CommandList)
async def list_commands(
    reviewer: ReviewerPrincipal,
    services: ServicesDep,
    status: CommandState | None = None,
    agent: Annotated[str | None, Query(max_length=200, description="Agent name or id.")] = None,
    target: Annotated[str | None, Query(max_length=255)] = None,
    reviewer_name: Annotated[
        str | None, Query(alias="reviewer", max_length=200, description="Reviewer name or id.")
    ] = None,
    since: Annotated[datetime | None, Query(description="Submitted at or after.")] = None,
    until: Annotated[datetime | None, Query(description="Submitted before.")] = None,
    via: Annotated[
        DecidedVia | None,
        Query(description="whitelist: approved by a rule; manual: by a reviewer; system: other."),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=500,
            description="Case-insensitive text in command, target, agent, reviewer or notes.",
        ),
    ] = None,
    before: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> CommandList:
    """The organisation's commands, newest first, narrowed by any of the filters (reviewers)."""
    where = CommandFilter(
        status=Status(status) if status else None,
        agent=agent,
        target=target,
        reviewer=reviewer_name,
        since=as_utc(since),
        until=as_utc(until),
        via=via,
        text=q,
    )
    records = await services.commands.list(reviewer, where=where, before=before, limit=limit)
    next_before = records[-1].id if len(records) == limit else None
    recorded = await recording_of_commands(services.database, command_ids=[r.id for r in records])
    items = [
        CommandView.of(r).model_copy(update={"recording_id": recorded.get(r.id)}) for r in records
    ]
    return CommandList(items=items, next_before=next_before)


@router.get("/{command_id}/audit", response_model=CommandTrail)
async def command_trail(
    command_id: str, reviewer: ReviewerPrincipal, services: ServicesDep
) -> CommandTrail:
    """Everything the audit log holds about one command, oldest first."""
    record, events = await services.commands.trail(reviewer, command_id)
    return CommandTrail(
        items=[AuditEventView.model_validate(e, from_attributes=True) for e in events],
        latency_ms=record.latency_ms,
    )


@router.get("/{command_id}", response_model=CommandView)
async def get_command(
    command_id: str,
    principal: AnyPrincipal,
    services: ServicesDep,
    wait: Annotated[float, Query(ge=0, description="Long-poll up to this many seconds.")] = 0,
) -> CommandView:
    """One command; with ``wait`` it returns as soon as the command is decided."""
    if wait > services.settings.long_poll_max_seconds:
        raise InvalidRequest(
            f"wait is limited to {services.settings.long_poll_max_seconds:g} seconds"
        )
    view = CommandView.of(await services.commands.wait(principal, command_id, wait))
    recorded = await recording_of_commands(services.database, command_ids=[view.id])
    return view.model_copy(update={"recording_id": recorded.get(view.id)})


@router.post("/{command_id}/approve", response_model=CommandView)
async def approve_command(
    command_id: str,
    reviewer: DeciderPrincipal,
    services: ServicesDep,
    body: Annotated[ApproveBody | None, Body()] = None,
) -> CommandView:
    """Approve (reviewers whose role the command's requirement admits); with ``command``
    approve an edited text, which the agent then runs; with ``whitelist`` also add a rule.
    A command needing several approvals stays pending until they are in. 403 not_eligible
    or separation_of_duties; 409 if already decided, already voted, or if the rule would
    have approved a denied command and that was not confirmed."""
    body = body or ApproveBody()
    record = await services.commands.decide(
        reviewer,
        command_id,
        approve=True,
        note=body.note,
        whitelist=body.whitelist,
        whitelist_scope_given=body.whitelist is not None
        and "scope" in body.whitelist.model_fields_set,
        confirm_denied_matches=body.confirm_denied_matches,
        edited_command=body.command,
    )
    return CommandView.of(record)


@router.post("/{command_id}/deny", response_model=CommandView)
async def deny_command(
    command_id: str,
    reviewer: DeciderPrincipal,
    services: ServicesDep,
    body: Annotated[DenyBody | None, Body()] = None,
) -> CommandView:
    """Deny (reviewers whose role the command's requirement admits). Under AllOf one deny
    ends the command; under AnyOf it is one vote. 409 if already decided."""
    body = body or DenyBody()
    record = await services.commands.decide(reviewer, command_id, approve=False, note=body.note)
    return CommandView.of(record)


@router.post("/{command_id}/cancel", response_model=CommandView)
async def cancel_command(
    command_id: str,
    agent: AgentPrincipal,
    services: ServicesDep,
    body: Annotated[CancelBody | None, Body()] = None,
) -> CommandView:
    """Withdraw one's own command (agents). A decided command keeps its decision."""
    body = body or CancelBody()
    record = await services.commands.cancel(agent, command_id=command_id, reason=body.reason)
    return CommandView.of(record)
