"""Counting reviewers' votes on a command under its requirement. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from expacti_server.approvals.requirement import Mode, Requirement


class Outcome(StrEnum):
    """What the votes so far mean."""

    APPROVED = "approved"
    DENIED = "denied"
    WAITING = "waiting"


@dataclass(frozen=True, slots=True)
class Tally:
    """Votes so far against what the requirement needs."""

    approvals: int
    denials: int
    required: int
    outcome: Outcome


def tally(
    requirement: Requirement, votes: Sequence[dict[str, Any]], *, approvers: frozenset[str]
) -> Tally:
    """The outcome of ``votes`` (one per reviewer; callers refuse repeats).

    ``approvers`` are the ids of every reviewer who may approve this command.
    A command is denied once the approvals it still needs exceed the approvers
    who have not voted: waiting longer could only time it out.
    """
    approvals = sum(1 for vote in votes if vote["vote"] == "approve")
    denials = len(votes) - approvals
    still_to_vote = len(approvers - {vote["reviewer_id"] for vote in votes})
    vetoed = denials > 0 and requirement.mode is Mode.ALL_OF
    if approvals >= requirement.required:
        outcome = Outcome.APPROVED
    elif vetoed or approvals + still_to_vote < requirement.required:
        outcome = Outcome.DENIED
    else:
        outcome = Outcome.WAITING
    return Tally(approvals, denials, requirement.required, outcome)
