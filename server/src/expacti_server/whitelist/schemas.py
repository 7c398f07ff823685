"""API shapes of whitelist rules."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

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


CONFIRM_DESCRIPTION = (
    "Save the rule even though it would have approved past commands that a reviewer denied; "
    "without it such a rule is refused with 409 rule_matches_denied."
)


class WhitelistRuleCreate(WhitelistRuleSpec):
    """A rule to create directly."""

    pattern: str = Field(description="The command (exact), glob or RE2 regex to match.")
    confirm_denied_matches: bool = Field(default=False, description=CONFIRM_DESCRIPTION)


class WhitelistRuleUpdate(BaseModel):
    """Fields to change; ``ttl_seconds: null`` removes the expiry."""

    model_config = ConfigDict(extra="forbid")

    pattern: str | None = None
    type: RuleType | None = None
    scope: str | None = None
    ttl_seconds: int | None = Field(default=None, ge=1, le=MAX_TTL_SECONDS)
    confirm_denied_matches: bool = Field(default=False, description=CONFIRM_DESCRIPTION)


class RulePreviewRequest(BaseModel):
    """A rule to try against history before saving it."""

    model_config = ConfigDict(extra="forbid")

    pattern: str = Field(description="The command (exact), glob or RE2 regex to match.")
    type: RuleType = Field(default=RuleType.EXACT)
    scope: str = Field(default="global")
    exclude_command_id: str | None = Field(
        default=None, description="Leave this command out (the one being approved)."
    )


class PreviewMatch(BaseModel):
    """A past command the rule would have approved."""

    id: str
    command: str
    target: str | None
    agent: str
    status: Literal["pending", "approved", "denied", "timed_out", "cancelled"]
    created_at: datetime


class RulePreviewView(BaseModel):
    """What the rule would have matched among the newest ``scanned`` commands."""

    matched: int
    denied_matched: int = Field(description="Matched commands a reviewer denied.")
    scanned: int
    truncated: bool = Field(description="Older commands exist that were not scanned.")
    complete: bool = Field(
        description="False when the time budget ran out before every command was checked."
    )
    matches: list[PreviewMatch] = Field(description="Newest first, at most 50.")


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
    created_from_command: str | None = Field(
        description="The text of the command the rule was made from, if it still exists."
    )
    hit_count: int
    last_hit_at: datetime | None


class WhitelistRuleList(BaseModel):
    """A page of rules."""

    items: list[WhitelistRuleView]
