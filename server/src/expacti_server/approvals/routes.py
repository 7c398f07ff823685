"""HTTP routes of approval policies, reviewers' roles and agents' owners."""

from __future__ import annotations

from fastapi import APIRouter, Response

from expacti_server.api.auth import AdminPrincipal, ReviewerPrincipal, ServicesDep
from expacti_server.api.errors import ERROR_RESPONSES
from expacti_server.approvals.schemas import (
    AgentList,
    AgentUpdate,
    AgentView,
    ApprovalPolicyBody,
    ApprovalPolicyList,
    ApprovalPolicyView,
    ReviewerList,
    ReviewerUpdate,
    ReviewerView,
)

router = APIRouter(prefix="/api/v1", tags=["approvals"], responses=ERROR_RESPONSES)


@router.get("/policies", response_model=ApprovalPolicyList)
async def list_policies(reviewer: ReviewerPrincipal, services: ServicesDep) -> ApprovalPolicyList:
    """Approval policies in the order they are tried; the default routing follows them."""
    return await services.approvals.list_policies(reviewer)


@router.post("/policies", status_code=201, response_model=ApprovalPolicyView)
async def create_policy(
    body: ApprovalPolicyBody, admin: AdminPrincipal, services: ServicesDep
) -> ApprovalPolicyView:
    """Add a policy; refused (422 policy_unsatisfiable) if too few reviewers could satisfy it."""
    return await services.approvals.create_policy(admin, body)


@router.put("/policies/{policy_id}", response_model=ApprovalPolicyView)
async def update_policy(
    policy_id: str, body: ApprovalPolicyBody, admin: AdminPrincipal, services: ServicesDep
) -> ApprovalPolicyView:
    """Replace a policy; commands already waiting keep the requirement they were given."""
    return await services.approvals.update_policy(admin, policy_id, body)


@router.delete("/policies/{policy_id}", status_code=204, response_class=Response)
async def delete_policy(policy_id: str, admin: AdminPrincipal, services: ServicesDep) -> None:
    """Remove a policy."""
    await services.approvals.delete_policy(admin, policy_id)


@router.get("/reviewers", response_model=ReviewerList)
async def list_reviewers(reviewer: ReviewerPrincipal, services: ServicesDep) -> ReviewerList:
    """The organisation's reviewers, their roles and who is online."""
    return await services.members.list_reviewers(reviewer)


@router.patch("/reviewers/{reviewer_id}", response_model=ReviewerView)
async def set_reviewer_role(
    reviewer_id: str, body: ReviewerUpdate, admin: AdminPrincipal, services: ServicesDep
) -> ReviewerView:
    """Change a reviewer's role; refused if no admin would remain or a policy could no longer
    be satisfied."""
    return await services.members.set_role(admin, reviewer_id, body)


@router.get("/agents", response_model=AgentList)
async def list_agents(reviewer: ReviewerPrincipal, services: ServicesDep) -> AgentList:
    """The organisation's agents and the reviewers linked to them."""
    return await services.members.list_agents(reviewer)


@router.patch("/agents/{agent_id}", response_model=AgentView)
async def set_agent_owner(
    agent_id: str, body: AgentUpdate, admin: AdminPrincipal, services: ServicesDep
) -> AgentView:
    """Link an agent to the reviewer answerable for it: that reviewer may not approve its
    commands (separation of duties)."""
    return await services.members.set_owner(admin, agent_id, body)
