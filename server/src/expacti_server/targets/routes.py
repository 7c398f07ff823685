"""HTTP routes of target groups (reviewers)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from expacti_server.api.auth import AdminPrincipal, ReviewerPrincipal, ServicesDep
from expacti_server.api.errors import ERROR_RESPONSES
from expacti_server.targets.service import TargetGroupBody, TargetGroupView

router = APIRouter(
    prefix="/api/v1/target-groups", tags=["target groups"], responses=ERROR_RESPONSES
)


@router.get("", response_model=list[TargetGroupView])
async def list_groups(reviewer: ReviewerPrincipal, services: ServicesDep) -> list[TargetGroupView]:
    """The organisation's target groups."""
    return services.targets.list(reviewer)


@router.put("/{name}", response_model=TargetGroupView)
async def put_group(
    name: str, body: TargetGroupBody, reviewer: AdminPrincipal, services: ServicesDep
) -> TargetGroupView:
    """Create or replace a group; rules scoped ``group:NAME`` apply to its targets."""
    return await services.targets.put(reviewer, name, body)


@router.delete("/{name}", status_code=204, response_class=Response)
async def delete_group(name: str, reviewer: AdminPrincipal, services: ServicesDep) -> None:
    """Remove a group."""
    await services.targets.delete(reviewer, name)
