"""HTTP routes of whitelist rules (reviewers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from expacti_server.api.auth import DeciderPrincipal, ReviewerPrincipal, ServicesDep
from expacti_server.api.errors import ERROR_RESPONSES
from expacti_server.whitelist.preview import RuleDraft
from expacti_server.whitelist.schemas import (
    PreviewMatch,
    RulePreviewRequest,
    RulePreviewView,
    WhitelistRuleCreate,
    WhitelistRuleList,
    WhitelistRuleUpdate,
    WhitelistRuleView,
)

router = APIRouter(prefix="/api/v1/whitelist", tags=["whitelist"], responses=ERROR_RESPONSES)


@router.get("", response_model=WhitelistRuleList)
async def list_rules(
    reviewer: ReviewerPrincipal,
    services: ServicesDep,
    q: Annotated[str | None, Query(max_length=200, description="Pattern substring.")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> WhitelistRuleList:
    """The organisation's rules, newest first."""
    return WhitelistRuleList(items=await services.whitelist.list(reviewer, query=q, limit=limit))


@router.post("", status_code=201, response_model=WhitelistRuleView)
async def create_rule(
    body: WhitelistRuleCreate, reviewer: DeciderPrincipal, services: ServicesDep
) -> WhitelistRuleView:
    """Add a rule. A pattern that cannot compile to a linear-time matcher is a 422."""
    return await services.whitelist.create(reviewer, body)


@router.post("/preview", response_model=RulePreviewView)
async def preview_rule(
    body: RulePreviewRequest, reviewer: DeciderPrincipal, services: ServicesDep
) -> RulePreviewView:
    """Which of the newest 10,000 commands the rule would make approvable that the rules
    already in force do not; nothing is saved."""
    preview = await services.whitelist.previewer.preview(
        reviewer.org_id,
        RuleDraft(pattern=body.pattern, type=body.type, scope=body.scope),
        exclude_command_id=body.exclude_command_id,
    )
    return RulePreviewView(
        matched=preview.matched,
        denied_matched=preview.denied_matched,
        scanned=preview.scanned,
        truncated=preview.truncated,
        complete=preview.complete,
        matches=[
            PreviewMatch(
                id=r.id,
                command=r.command,
                target=r.target,
                agent=r.agent_name,
                status=r.status,
                created_at=r.created_at,
            )
            for r in preview.matches
        ],
    )


@router.get("/{rule_id}", response_model=WhitelistRuleView)
async def get_rule(
    rule_id: str, reviewer: ReviewerPrincipal, services: ServicesDep
) -> WhitelistRuleView:
    """One rule."""
    return await services.whitelist.get(reviewer, rule_id)


@router.patch("/{rule_id}", response_model=WhitelistRuleView)
async def update_rule(
    rule_id: str, body: WhitelistRuleUpdate, reviewer: DeciderPrincipal, services: ServicesDep
) -> WhitelistRuleView:
    """Change a rule; ``"ttl_seconds": null`` removes its expiry."""
    return await services.whitelist.update(reviewer, rule_id, body)


@router.post("/{rule_id}/expire", response_model=WhitelistRuleView)
async def expire_rule(
    rule_id: str, reviewer: DeciderPrincipal, services: ServicesDep
) -> WhitelistRuleView:
    """Stop the rule matching from now on; it stays listed with its history."""
    return await services.whitelist.expire(reviewer, rule_id)


@router.delete("/{rule_id}", status_code=204, response_class=Response)
async def delete_rule(rule_id: str, reviewer: DeciderPrincipal, services: ServicesDep) -> None:
    """Remove a rule."""
    await services.whitelist.delete(reviewer, rule_id)
