"""Counting votes: N distinct approvals; AllOf vetoes; AnyOf denies only when hopeless."""

from __future__ import annotations

import pytest

from expacti_server.approvals.requirement import Mode, Requirement
from expacti_server.approvals.votes import Outcome, tally
from expacti_server.identity.roles import ReviewerRole

EVERYONE = frozenset({"a", "b", "c", "d"})


def votes(*pairs: str) -> list[dict[str, str]]:
    return [{"reviewer_id": p[0], "vote": "approve" if p[1] == "+" else "deny"} for p in pairs]


@pytest.mark.parametrize(
    ("mode", "cast", "approvers", "outcome"),
    [
        (Mode.ALL_OF, ["a+"], EVERYONE, Outcome.WAITING),
        (Mode.ALL_OF, ["a+", "b+"], EVERYONE, Outcome.APPROVED),
        (Mode.ALL_OF, ["a+", "b-"], EVERYONE, Outcome.DENIED),
        (Mode.ANY_OF, ["a-"], EVERYONE, Outcome.WAITING),
        (Mode.ANY_OF, ["a-", "b+", "c+"], EVERYONE, Outcome.APPROVED),
        (Mode.ANY_OF, ["a-", "b-", "c-"], EVERYONE, Outcome.DENIED),
        # Only two may approve and one of them approved: the owner's deny is not a vote
        # that blocks, but nobody else is left.
        (Mode.ALL_OF, ["a+"], frozenset({"a"}), Outcome.DENIED),
        (Mode.ANY_OF, ["z-"], frozenset({"a", "b"}), Outcome.WAITING),
    ],
    ids=[
        "all-of-partial",
        "all-of-two",
        "all-of-veto",
        "any-of-deny-is-one-vote",
        "any-of-approved-despite-deny",
        "any-of-hopeless",
        "too-few-approvers-left",
        "a-non-approver-deny-counts-nobody-out",
    ],
)
def test_two_of_n(mode: Mode, cast: list[str], approvers: frozenset[str], outcome: Outcome) -> None:
    requirement = Requirement(ReviewerRole.REVIEWER, 2, mode, "test")
    assert tally(requirement, votes(*cast), approvers=approvers).outcome is outcome


def test_one_approval_decides_a_routine_command() -> None:
    requirement = Requirement(ReviewerRole.REVIEWER, 1, Mode.ALL_OF, "default")
    counted = tally(requirement, votes("a+"), approvers=EVERYONE)
    assert (counted.outcome, counted.approvals, counted.required) == (Outcome.APPROVED, 1, 1)
