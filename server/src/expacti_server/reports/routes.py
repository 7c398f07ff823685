"""HTTP route of compliance reports (auditors and admins)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from expacti_server.api.auth import AuditorPrincipal, ServicesDep
from expacti_server.api.errors import ERROR_RESPONSES
from expacti_server.reports.csv_export import render_csv
from expacti_server.reports.pdf import render_pdf
from expacti_server.reports.schemas import ComplianceReport, Framework, ReportFormat
from expacti_server.reports.service import build_report
from expacti_server.reports.window import parse_window

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], responses=ERROR_RESPONSES)

MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}


@router.get(
    "/compliance",
    response_model=ComplianceReport,
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
            "description": "The report as JSON, CSV (one row per control evidence item) or PDF.",
        }
    },
)
async def compliance_report(
    auditor: AuditorPrincipal,
    services: ServicesDep,
    framework: Framework,
    from_: Annotated[
        str,
        Query(
            alias="from",
            max_length=64,
            description="ISO date or datetime (UTC if no zone); the range starts here.",
        ),
    ],
    to: Annotated[
        str,
        Query(
            max_length=64,
            description="ISO date (that whole day is included) or datetime (exclusive end).",
        ),
    ],
    format: ReportFormat = "json",
) -> Response:
    """Evidence for the framework's controls over at most 366 days: who can approve, MFA,
    approvals and denials with review latency, whitelist changes, anomalies and their
    handling, multi-party approvals, policy and role changes, and the audit chain verified."""
    window = parse_window(from_, to)
    report = await build_report(
        services.database,
        auditor,
        framework=framework,
        window=window,
        session_ttl_seconds=services.settings.session_ttl_seconds,
    )
    filename = window.filename(framework, format)
    if format == "json":
        return JSONResponse(
            report.model_dump(mode="json"),
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )
    # Rendering is CPU work: keep it off the event loop that serves the approval gate.
    body: str | bytes
    if format == "csv":
        body = await asyncio.to_thread(render_csv, report)
    else:
        body = await asyncio.to_thread(render_pdf, report)
    return Response(
        body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
