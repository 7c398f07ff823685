"""HTTP routes of rule suggestions (reviewers)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from expacti_server.api.auth import DeciderPrincipal, ReviewerPrincipal, ServicesDep
from expacti_server.api.errors import ERROR_RESPONSES, ErrorResponse
from expacti_server.suggestions.schemas import (
    SuggestionAccept,
    SuggestionFilter,
    SuggestionList,
    SuggestionView,
)

router = APIRouter(prefix="/api/v1/suggestions", tags=["suggestions"], responses=ERROR_RESPONSES)

CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorResponse,
        "description": "suggestion_not_open, or rule_matches_denied: the rule would now "
        "approve a command a reviewer denied",
    }
}


# Reviewers read suggestions; only roles that decide (not auditors) accept or dismiss
# them, since accepting creates a whitelist rule.
Reader = ReviewerPrincipal
Actor = DeciderPrincipal


@router.get("", response_model=SuggestionList)
async def list_suggestions(
    reviewer: Reader,
    services: ServicesDep,
    status: Annotated[SuggestionFilter, Query(description="Which to list.")] = (
        SuggestionFilter.OPEN
    ),
    target: Annotated[
        str | None, Query(max_length=255, description="Only those scoped to this target.")
    ] = None,
) -> SuggestionList:
    """Rules learnt from past decisions, newest first, each with its evidence."""
    found = await services.suggestions.list(reviewer, status=status, target=target)
    return SuggestionList(items=[SuggestionView.of(s) for s in found])


@router.post("/refresh", response_model=SuggestionList)
async def refresh_suggestions(reviewer: Actor, services: ServicesDep) -> SuggestionList:
    """Recompute the suggestions from history now; returns the open ones."""
    found = await services.suggestions.refresh(reviewer)
    return SuggestionList(items=[SuggestionView.of(s) for s in found])


@router.post("/{suggestion_id}/accept", response_model=SuggestionView, responses=CONFLICT)
async def accept_suggestion(
    suggestion_id: str,
    reviewer: Actor,
    services: ServicesDep,
    body: SuggestionAccept | None = None,
) -> SuggestionView:
    """Create the suggested rule (with ``ttl_seconds``, if given). An upgrade expires the
    exact rule it replaces in the same step."""
    ttl = body.ttl_seconds if body is not None else None
    accepted = await services.suggestions.accept(reviewer, suggestion_id, ttl_seconds=ttl)
    return SuggestionView.of(accepted)


@router.post("/{suggestion_id}/dismiss", response_model=SuggestionView, responses=CONFLICT)
async def dismiss_suggestion(
    suggestion_id: str, reviewer: Actor, services: ServicesDep
) -> SuggestionView:
    """Never suggest this rule again."""
    return SuggestionView.of(await services.suggestions.dismiss(reviewer, suggestion_id))
