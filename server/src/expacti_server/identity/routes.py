"""HTTP routes of the caller's identity and organisation policy."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from expacti_server.api.auth import AdminPrincipal, AnyPrincipal, ReviewerPrincipal, ServicesDep
from expacti_server.api.errors import ERROR_RESPONSES
from expacti_server.identity.orgs import OrgUpdate, OrgView

router = APIRouter(prefix="/api/v1", tags=["identity"], responses=ERROR_RESPONSES)


class WhoAmI(BaseModel):
    """The authenticated caller."""

    role: str
    reviewer_role: str | None = Field(
        description="admin, senior, reviewer or auditor; null for an agent."
    )
    id: str
    name: str
    org: OrgView


@router.get("/me", response_model=WhoAmI)
async def who_am_i(principal: AnyPrincipal, services: ServicesDep) -> WhoAmI:
    """Who the credential belongs to."""
    org = await services.orgs.get(principal)
    return WhoAmI(
        role=principal.role.value,
        reviewer_role=principal.reviewer_role,
        id=principal.id,
        name=principal.name,
        org=org,
    )


@router.get("/org", response_model=OrgView)
async def get_org(reviewer: ReviewerPrincipal, services: ServicesDep) -> OrgView:
    """The organisation and its policy."""
    return await services.orgs.get(reviewer)


@router.patch("/org", response_model=OrgView)
async def update_org(body: OrgUpdate, reviewer: AdminPrincipal, services: ServicesDep) -> OrgView:
    """Change the decision timeout (30-600 s); it applies to commands submitted afterwards."""
    return await services.orgs.update(reviewer, body)
