"""API shapes of whitelist rules."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from expacti_server.policy.patterns import RuleType

MAX_TTL_SECONDS = 10 * 365 * 24 * 3600


class WhitelistRuleSpec(BaseModel):
    """A rule to create; with "approve and whitelist" the pattern defaults to the command."""

    model_config = ConfigDict(extra="forbid")

    pattern: str | None = Field(
        default=None, description="The command (exact), glob or RE2 regex to match."
    )
    type: RuleType = Field(default=RuleType.EXACT, description="exact, glob or regex.")
    scope: str = Field(
        default="global",
        description='"global", "group:NAME" (a target group) or "target:NAME" (one target).',
    )
    ttl_seconds: int | None = Field(
        default=None, ge=1, le=MAX_TTL_SECONDS, description="Expire after this many seconds."
    )


class WhitelistRuleCreate(WhitelistRuleSpec):
    """A rule to create directly."""

    pattern: str = Field(description="The command (exact), glob or RE2 regex to match.")


class WhitelistRuleUpdate(BaseModel):
    """Fields to change; ``ttl_seconds: null`` removes the expiry."""

    model_config = ConfigDict(extra="forbid")

    pattern: str | None = None
    type: RuleType | None = None
    scope: str | None = None
    ttl_seconds: int | None = Field(default=None, ge=1, le=MAX_TTL_SECONDS)


class WhitelistRuleView(BaseModel):
    """A stored rule with its usage."""

    id: str
    pattern: str
    type: RuleType
    scope: str
    expires_at: datetime | None
    expired: bool
    created_at: datetime
    updated_at: datetime
    created_by: str | None
    created_from_command_id: str | None
    hit_count: int
    last_hit_at: datetime | None


class WhitelistRuleList(BaseModel):
    """A page of rules."""

    items: list[WhitelistRuleView]
