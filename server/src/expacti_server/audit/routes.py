"""HTTP route of the audit log (reviewers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from expacti_server.api.auth import ReviewerPrincipal, ServicesDep
from expacti_server.api.errors import ERROR_RESPONSES
from expacti_server.audit.service import list_events
from expacti_server.audit.views import AuditEventView

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=ERROR_RESPONSES)


class AuditEventList(BaseModel):
    """A page of events, newest first."""

    items: list[AuditEventView]
    next_before: int | None


@router.get("", response_model=AuditEventList)
async def list_audit_events(
    reviewer: ReviewerPrincipal,
    services: ServicesDep,
    command_id: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditEventList:
    """The organisation's audit events, newest first."""
    async with services.database.read() as conn:
        events = await list_events(
            conn,
            org_id=reviewer.org_id,
            command_id=command_id,
            action=action,
            before_id=before,
            limit=limit,
        )
    items = [AuditEventView.model_validate(e, from_attributes=True) for e in events]
    return AuditEventList(items=items, next_before=items[-1].id if len(items) == limit else None)
