"""HTTP routes of reviewers' encryption keys."""

from __future__ import annotations

from fastapi import APIRouter, Response

from expacti_server.api.auth import AnyPrincipal, ReviewerPrincipal, ServicesDep
from expacti_server.api.errors import ERROR_RESPONSES
from expacti_server.encryption.schemas import KeyCreate, KeyList, KeyView

router = APIRouter(prefix="/api/v1/keys", tags=["encryption"], responses=ERROR_RESPONSES)


@router.post("", status_code=201, response_model=KeyView)
async def register_key(
    body: KeyCreate, reviewer: ReviewerPrincipal, services: ServicesDep, response: Response
) -> KeyView:
    """Register one's public key (reviewers). 201 when new, 200 when already registered."""
    view, created = await services.keys.register(reviewer, body)
    if not created:
        response.status_code = 200
    return view


@router.get("", response_model=KeyList)
async def list_keys(principal: AnyPrincipal, services: ServicesDep) -> KeyList:
    """The organisation's active keys: whom an agent encrypts for (agents and reviewers)."""
    return KeyList(items=await services.keys.list(principal))


@router.delete("/{key_id}", status_code=204, response_class=Response)
async def revoke_key(key_id: str, reviewer: ReviewerPrincipal, services: ServicesDep) -> None:
    """Revoke one of one's own keys; commands already encrypted for it stay as they are."""
    await services.keys.revoke(reviewer, key_id)
