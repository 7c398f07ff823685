"""Reviewer roles: who may read, decide, and change the organisation's policy."""

from __future__ import annotations

from enum import StrEnum


class ReviewerRole(StrEnum):
    """A reviewer's role. Deciding roles are ranked; an auditor only reads."""

    AUDITOR = "auditor"
    REVIEWER = "reviewer"
    SENIOR = "senior"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """0 for the auditor (never decides), then reviewer < senior < admin."""
        return _RANKS[self]

    @property
    def decides(self) -> bool:
        """Whether this role may approve or deny at all."""
        return self is not ReviewerRole.AUDITOR

    def at_least(self, other: ReviewerRole) -> bool:
        """Whether this role may do what ``other`` may (an auditor never decides)."""
        return self.decides and self.rank >= other.rank

    def next_tier(self) -> ReviewerRole:
        """The role above this one, for escalation; admin is the top."""
        return _NEXT.get(self, ReviewerRole.ADMIN)


_RANKS = {
    ReviewerRole.AUDITOR: 0,
    ReviewerRole.REVIEWER: 1,
    ReviewerRole.SENIOR: 2,
    ReviewerRole.ADMIN: 3,
}
_NEXT = {ReviewerRole.REVIEWER: ReviewerRole.SENIOR, ReviewerRole.SENIOR: ReviewerRole.ADMIN}

DECIDING_ROLES = (ReviewerRole.REVIEWER, ReviewerRole.SENIOR, ReviewerRole.ADMIN)
