"""One line per audit record of a change."""

from __future__ import annotations

from expacti_server.reports.sections.changes import describe_change


def test_whitelist_changes_say_which_rule() -> None:
    rule = {"pattern": "uptime", "type": "exact", "scope": "global", "expires_at": None}
    assert describe_change("whitelist.created", rule) == "exact 'uptime' (global)"
    later = {**rule, "expires_at": "2026-11-02T00:00:00+00:00"}
    assert describe_change("whitelist.updated", {"before": rule, "after": later}) == (
        "exact 'uptime' (global) -> exact 'uptime' (global, expires 2026-11-02T00:00:00+00:00)"
    )
    assert describe_change("suggestion.accepted", {**rule, "evidence": {}}) == (
        "accepted suggested rule exact 'uptime' (global)"
    )


def test_policy_role_owner_and_org_changes() -> None:
    policy = {"name": "deploys", "require_n_approvers": 2, "min_role": "senior", "policy": "AllOf"}
    assert describe_change("approval_policy.created", policy) == "'deploys': 2 x senior (AllOf)"
    assert describe_change(
        "reviewer.role_changed", {"reviewer": "carol", "before": "reviewer", "after": "senior"}
    ) == ("carol: reviewer -> senior")
    assert describe_change(
        "agent.owner_changed", {"agent": "ci", "before": None, "after": "rev_1"}
    ) == ("ci: owner none -> rev_1")
    assert describe_change(
        "org.policy_changed", {"timeout_seconds": {"before": 60, "after": 120}}
    ) == ("timeout_seconds: 60 -> 120")


def test_long_details_are_cut_and_unknown_actions_are_blank() -> None:
    long = describe_change("whitelist.created", {"pattern": "x" * 1000, "type": "glob"})
    assert len(long) == 300
    assert long.endswith("...")
    assert describe_change("something.else", {"a": 1}) == ""
