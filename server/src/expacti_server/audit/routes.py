"""HTTP routes of the audit log: listing, chain verification, export."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from expacti_server.api.auth import AuditorPrincipal, ReviewerPrincipal, ServicesDep
from expacti_server.api.errors import ERROR_RESPONSES
from expacti_server.audit.chain import verify_chain
from expacti_server.audit.export import MEDIA_TYPES, ExportFormat, export_records
from expacti_server.audit.service import list_events
from expacti_server.audit.views import AuditEventView, ChainBreakView
from expacti_server.db.base import as_utc, utcnow
from expacti_server.errors import InvalidRequest

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], responses=ERROR_RESPONSES)


class AuditEventList(BaseModel):
    """A page of events, newest first."""

    items: list[AuditEventView]
    next_before: int | None


class ChainVerificationView(BaseModel):
    """The result of walking the organisation's hash chain."""

    ok: bool
    records: int = Field(description="Records checked before the end or the first break.")
    head_seq: int
    head_hash: str | None = Field(description="Keep it elsewhere to check the chain later.")
    first_break: ChainBreakView | None
    verified_at: datetime


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


@router.post("/verify", response_model=ChainVerificationView)
async def verify(auditor: AuditorPrincipal, services: ServicesDep) -> ChainVerificationView:
    """Walk the organisation's hash chain and report the first broken link (auditors, admins)."""
    result = await verify_chain(services.database, org_id=auditor.org_id)
    return ChainVerificationView(
        ok=result.ok,
        records=result.records,
        head_seq=result.head_seq,
        head_hash=result.head_hash,
        first_break=(
            ChainBreakView(
                seq=result.first_break.seq,
                record_id=result.first_break.record_id,
                kind=result.first_break.kind,
                message=result.first_break.message,
            )
            if result.first_break
            else None
        ),
        verified_at=utcnow(),
    )


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}}},
)
async def export(
    auditor: AuditorPrincipal,
    services: ServicesDep,
    format: ExportFormat = "jsonl",
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: Annotated[datetime | None, Query(alias="to")] = None,
) -> StreamingResponse:
    """The audit records from ``from`` (inclusive) to ``to`` (exclusive) in chain order, with
    their seq and hashes, as JSON Lines or CSV (auditors, admins)."""
    since, until = as_utc(since), as_utc(until)
    if since is not None and until is not None and since >= until:
        raise InvalidRequest("from must be before to", field="from")
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(
        export_records(
            services.database, org_id=auditor.org_id, fmt=format, since=since, until=until
        ),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="expacti-audit-{stamp}.{format}"'},
    )
