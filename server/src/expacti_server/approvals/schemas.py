"""API shapes of approval policies, reviewers' roles and agents' owners."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from expacti_server.approvals.requirement import Mode
from expacti_server.identity.roles import ReviewerRole

DecidingRole = Literal["reviewer", "senior", "admin"]
MAX_APPROVERS = 10


class ApprovalPolicyBody(BaseModel):
    """A policy as written. Every match field left out matches anything."""

    name: str = Field(min_length=1, max_length=200)
    priority: int = Field(
        default=100, ge=0, le=10_000, description="Lower first; the first matching policy applies."
    )
    target_scope: str | None = Field(
        default=None, description="target:NAME or group:NAME; null for every target."
    )
    min_risk: int | None = Field(default=None, ge=0, le=100)
    command_pattern: str | None = Field(
        default=None,
        max_length=4096,
        description="Matches when the whole command or any part of it matches.",
    )
    command_pattern_type: Literal["glob", "regex", "exact"] | None = None
    min_role: DecidingRole = Field(
        default="reviewer", description="The least senior role that may decide."
    )
    require_n_approvers: int = Field(default=1, ge=1, le=MAX_APPROVERS)
    policy: Mode = Field(
        default=Mode.ALL_OF,
        description="AllOf: any deny ends the command denied. AnyOf: a deny is one vote; "
        "the command is denied once the approvals can no longer come.",
    )


class ApprovalPolicyView(ApprovalPolicyBody):
    """A stored policy."""

    # Every field is always sent: the schema says so, so generated clients get required fields.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    id: str
    created_at: datetime
    updated_at: datetime
    created_by: str | None
    eligible_reviewers: int = Field(description="Reviewers whose role may decide under it now.")


class ApprovalPolicyList(BaseModel):
    """The org's policies in the order they are tried, and the default that follows them."""

    items: list[ApprovalPolicyView]
    senior_risk_threshold: int


class ReviewerView(BaseModel):
    """A reviewer of the organisation."""

    id: str
    name: str
    role: ReviewerRole
    online: bool = Field(description="Has the reviewer app open now.")
    owns_agents: list[str] = Field(
        description="Agents whose commands this reviewer may not approve."
    )


class ReviewerList(BaseModel):
    """The organisation's reviewers."""

    items: list[ReviewerView]


class ReviewerUpdate(BaseModel):
    """Change a reviewer's role."""

    role: ReviewerRole


class AgentView(BaseModel):
    """An agent of the organisation."""

    id: str
    name: str
    owner_reviewer_id: str | None
    owner: str | None


class AgentList(BaseModel):
    """The organisation's agents."""

    items: list[AgentView]


class AgentUpdate(BaseModel):
    """Link an agent to the reviewer answerable for it (separation of duties), or unlink it."""

    owner_reviewer_id: str | None
