"""HTTP routes of anomaly events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from expacti_server.anomalies.service import AnomalyList, AnomalySummary
from expacti_server.api.auth import ReviewerPrincipal, ServicesDep
from expacti_server.api.errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1/anomalies", tags=["anomalies"], responses=ERROR_RESPONSES)


@router.get("", response_model=AnomalyList)
async def list_anomalies(
    reviewer: ReviewerPrincipal,
    services: ServicesDep,
    rule_id: Annotated[str | None, Query(max_length=64)] = None,
    command_id: Annotated[str | None, Query(max_length=40)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AnomalyList:
    """Every risk rule that fired on a command, newest first."""
    return await services.anomalies.list(
        reviewer,
        rule_id=rule_id,
        command_id=command_id,
        since=since,
        until=until,
        before=before,
        limit=limit,
    )


@router.get("/summary", response_model=AnomalySummary)
async def summarise_anomalies(
    reviewer: ReviewerPrincipal,
    services: ServicesDep,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AnomalySummary:
    """How often each rule fired in a time range (for reports)."""
    return await services.anomalies.summary(reviewer, since=since, until=until)
