"""Resolving who must approve a command: policies in priority order, then default routing."""

from __future__ import annotations

import pytest

from expacti_server.approvals.requirement import (
    CompiledPolicy,
    Mode,
    Requirement,
    default_requirement,
    resolve,
)
from expacti_server.identity.roles import ReviewerRole
from expacti_server.policy.patterns import compile_pattern
from expacti_server.policy.shell import parse_command
from expacti_server.policy.whitelist_index import Scope


def policy(
    name: str,
    *,
    priority: int = 100,
    scope: str | None = None,
    min_risk: int | None = None,
    pattern: str | None = None,
    min_role: ReviewerRole = ReviewerRole.REVIEWER,
    required: int = 1,
    mode: Mode = Mode.ALL_OF,
) -> CompiledPolicy:
    return CompiledPolicy(
        id=f"pol_{name}",
        name=name,
        priority=priority,
        scope=Scope.parse(scope) if scope else None,
        min_risk=min_risk,
        pattern=compile_pattern(pattern, "glob") if pattern else None,
        min_role=min_role,
        required=required,
        mode=mode,
    )


POLICIES = [
    policy("prod deploys", priority=10, scope="group:prod", pattern="kubectl apply *", required=2),
    policy("risky anywhere", priority=20, min_risk=50, min_role=ReviewerRole.SENIOR),
    policy("dev is relaxed", priority=30, scope="target:dev-1"),
]


@pytest.mark.parametrize(
    ("command", "target", "groups", "risk", "expected"),
    [
        ("kubectl apply -f x.yml", "eu-1", {"prod"}, 10, "prod deploys"),
        ("cd /srv && kubectl apply -f x.yml", "eu-1", {"prod"}, 10, "prod deploys"),
        ("kubectl apply -f x.yml", "dev-1", set(), 10, "dev is relaxed"),
        ("kubectl apply -f x.yml", "dev-1", set(), 60, "risky anywhere"),
        ("ls", "eu-1", {"prod"}, 0, None),
    ],
    ids=["pattern-in-group", "pattern-in-any-part", "target", "priority-order", "no-match"],
)
def test_the_first_matching_policy_applies(
    command: str, target: str, groups: set[str], risk: int, expected: str | None
) -> None:
    found = resolve(
        POLICIES,
        parse_command(command),
        target=target,
        target_groups=frozenset(groups),
        risk_score=risk,
        senior_risk_threshold=70,
    )
    assert found.policy_id == (f"pol_{expected}" if expected else None)


@pytest.mark.parametrize(
    ("risk", "threshold", "role"),
    [
        (69, 70, ReviewerRole.REVIEWER),
        (70, 70, ReviewerRole.SENIOR),
        (100, 101, ReviewerRole.REVIEWER),
    ],
)
def test_default_routing_sends_high_risk_to_seniors(
    risk: int, threshold: int, role: ReviewerRole
) -> None:
    assert default_requirement(risk, threshold).min_role is role


def test_an_encrypted_command_is_assumed_to_match_every_pattern() -> None:
    found = resolve(
        POLICIES,
        parse_command(""),
        target="eu-1",
        target_groups=frozenset({"prod"}),
        risk_score=50,
        senior_risk_threshold=70,
        unknown_text=True,
    )
    assert found.policy_id == "pol_prod deploys"


@pytest.mark.parametrize(
    ("role", "admitted"),
    [
        (ReviewerRole.AUDITOR, False),
        (ReviewerRole.REVIEWER, False),
        (ReviewerRole.SENIOR, True),
        (ReviewerRole.ADMIN, True),
        (None, False),
    ],
)
def test_roles_are_ranked_and_auditors_never_decide(
    role: ReviewerRole | None, admitted: bool
) -> None:
    assert default_requirement(90, 70).admits(role) is admitted


def test_an_edit_can_only_make_a_requirement_stricter() -> None:
    routine = default_requirement(0, 70)
    two_seniors = Requirement(ReviewerRole.SENIOR, 2, Mode.ANY_OF, "policy")
    merged = routine.stricter(two_seniors)
    assert (merged.min_role, merged.required, merged.mode) == (
        ReviewerRole.SENIOR,
        2,
        Mode.ALL_OF,
    )
    reverse = two_seniors.stricter(routine)
    assert (reverse.min_role, reverse.required, reverse.mode) == (
        ReviewerRole.SENIOR,
        2,
        Mode.ALL_OF,
    )
    assert routine.stricter(routine) is routine


def test_requirements_round_trip_through_json_and_old_rows_get_the_default() -> None:
    requirement = Requirement(ReviewerRole.SENIOR, 3, Mode.ANY_OF, "why", "pol_1")
    assert Requirement.from_json(requirement.as_json(), risk_score=0) == requirement
    assert Requirement.from_json(None, risk_score=95).min_role is ReviewerRole.SENIOR
    assert Requirement.from_json(None, risk_score=5).routine
