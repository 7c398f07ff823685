"""HTTP route of oversight availability."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from expacti_server.api.auth import AnyPrincipal, ServicesDep
from expacti_server.api.errors import ERROR_RESPONSES
from expacti_server.oversight.service import OversightView

router = APIRouter(prefix="/api/v1", tags=["oversight"], responses=ERROR_RESPONSES)


@router.get("/oversight", response_model=OversightView)
async def oversight(
    principal: AnyPrincipal,
    services: ServicesDep,
    command: Annotated[str | None, Query(max_length=4096)] = None,
    target: Annotated[str | None, Query(max_length=255)] = None,
) -> OversightView:
    """Whether a reviewer who may decide for the calling agent is online now (for ``command``
    on ``target`` when given: its risk and policies then count), and the org's working hours.
    Agents call it to degrade gracefully instead of waiting into a timeout."""
    return await services.oversight.check(principal, command=command, target=target)
