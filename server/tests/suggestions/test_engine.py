"""The suggestions engine on a recorded history of a few hundred decided commands.

``tests/data/suggestion_history.jsonl`` is one organisation's history, oldest
first: three agents on the targets ``ci``, ``prod-web`` and ``staging`` and
without one; numbered build directories, kubectl reads, git pulls, health
checks with bearer tokens, a MySQL password, denied look-alikes, high-risk
approvals, whitelisted traffic, timeouts and cancellations.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from expacti_server.policy.patterns import RuleType, compile_pattern
from expacti_server.policy.shell import parse_command
from expacti_server.policy.whitelist_index import IndexedRule, Scope, WhitelistIndex
from expacti_server.suggestions.engine import Proposal, Thresholds, fingerprint, propose
from expacti_server.suggestions.replay import History, HistoryRow, replay

DATA = Path(__file__).parent.parent / "data" / "suggestion_history.jsonl"
NOW = datetime(2025, 3, 3).timestamp()


def recorded() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DATA.read_text().splitlines()]


def rows_of(records: list[dict[str, Any]]) -> list[HistoryRow]:
    """Newest first, as the service reads them."""
    return [
        HistoryRow(
            command=r["command"],
            target=r["target"],
            status=r["status"],
            risk_score=r["risk_score"],
            whitelisted=r["whitelisted"],
            created_at=datetime.fromisoformat(r["created_at"]),
            reviewer_name=r["reviewer"],
        )
        for r in reversed(records)
    ]


def rule(rule_id: str, pattern: str, rule_type: str, scope: str) -> IndexedRule:
    return IndexedRule(rule_id, compile_pattern(pattern, rule_type), Scope.parse(scope), None)


LIVE = [
    rule("rule_staging_make_1", "make -C /srv/app/build-1 test", "exact", "target:staging"),
    rule("rule_uptime", "uptime", "exact", "global"),
    rule("rule_ls_app", "ls /var/log/app", "exact", "global"),
]


@pytest.fixture(scope="module")
def history() -> History:
    return History(rows_of(recorded()))


@pytest.fixture(scope="module")
def proposals(history: History) -> list[Proposal]:
    return propose(history, rules=LIVE, now=NOW)


def test_the_history_is_a_few_hundred_commands(history: History) -> None:
    assert len(history.rows) == 303
    statuses = {row.status for row in history.rows}
    assert statuses == {"approved", "denied", "timed_out", "cancelled"}


def test_the_exact_proposals_and_their_evidence(proposals: list[Proposal]) -> None:
    found = [
        (
            p.type.value,
            p.scope,
            p.pattern,
            p.upgrade_of_rule_id,
            p.evidence["approved"],
            p.evidence["distinct_commands"],
            p.evidence["would_auto_approve"],
            p.evidence["matched"],
        )
        for p in proposals
    ]
    assert found == [
        ("exact", "global", "cd /srv/app && git pull", None, 4, 1, 4, 4),
        ("exact", "global", "docker ps", None, 3, 1, 3, 3),
        ("exact", "global", "git pull origin main", None, 25, 1, 25, 25),
        ("regex", "global", r"git pull origin release-1\.[0-9]+", None, 3, 3, 3, 3),
        ("regex", "global", r"tail -n 200 /var/log/app/worker-[0-9]+\.log", None, 6, 3, 6, 6),
        ("exact", "target:ci", "npm ci", None, 6, 1, 6, 6),
        ("regex", "target:ci", "ls -la /srv/ci/build-[0-9]+", None, 8, 4, 8, 8),
        # build-101 was approved three times, but the pattern covers it: no exact rule too.
        ("regex", "target:ci", r"rm /tmp/build-[0-9]+\.log", None, 14, 12, 14, 14),
        ("exact", "target:prod-web", "sudo systemctl restart nginx", None, 3, 1, 3, 3),
        (
            "regex",
            "target:prod-web",
            r'curl -s -H "Authorization: Bearer [A-Za-z0-9_.-]+" https://api\.internal/health',
            None,
            4,
            4,
            4,
            4,
        ),
        # 23 approvals, and one "kubectl get pods -n web" that timed out.
        (
            "regex",
            "target:prod-web",
            "kubectl get pods -n [A-Za-z0-9_][A-Za-z0-9_.-]*",
            None,
            23,
            4,
            23,
            24,
        ),
        # The upgrade replaces the exact rule: its 12 whitelisted hits now count as matched.
        (
            "regex",
            "target:staging",
            "make -C /srv/app/build-[0-9]+ test",
            "rule_staging_make_1",
            6,
            6,
            6,
            18,
        ),
    ]
    for p in proposals:
        assert (p.evidence["denied"], p.evidence["matched_denied"]) == (0, 0)
        assert p.evidence["matched_high_risk"] == 0
        assert p.evidence["scanned"] == 303
        assert p.fingerprint == fingerprint(p.pattern, p.type, p.scope)


def test_evidence_names_the_reviewers_the_time_and_up_to_five_examples(
    proposals: list[Proposal],
) -> None:
    records = recorded()
    by_pattern = {p.pattern: p.evidence for p in proposals}
    releases = by_pattern[r"git pull origin release-1\.[0-9]+"]
    source = [r for r in records if r["command"].startswith("git pull origin release-")]
    assert (
        releases["last_approved_at"]
        == max(datetime.fromisoformat(r["created_at"]) for r in source).isoformat()
    )
    assert releases["reviewers"] == sorted({r["reviewer"] for r in source})
    newest_first = [r["command"] for r in reversed(source)]
    assert releases["examples"] == newest_first
    builds = by_pattern[r"rm /tmp/build-[0-9]+\.log"]
    assert len(builds["examples"]) == 5
    assert len(set(builds["examples"])) == 5


def test_no_proposal_matches_a_denied_or_high_risk_command(
    history: History, proposals: list[Proposal]
) -> None:
    # Checked here with the real matcher directly, row by row, not through replay().
    without = WhitelistIndex(LIVE)
    for p in proposals:
        draft = IndexedRule("draft", compile_pattern(p.pattern, p.type), Scope.parse(p.scope), None)
        live = [r for r in LIVE if r.id != p.upgrade_of_rule_id]
        index = WhitelistIndex([*live, draft])
        for row in history.rows:
            if row.status != "denied" and row.risk_score < 70:
                continue
            parsed = parse_command(row.command)
            approved = index.match(parsed, target=row.target, target_groups=frozenset(), now=NOW)
            already = without.match(parsed, target=row.target, target_groups=frozenset(), now=NOW)
            assert approved is None or already is not None, (p.pattern, row.command)


@pytest.mark.parametrize(
    ("pattern", "scope", "denied", "high_risk"),
    [
        # approved app-1..3, but app-9 was denied
        (r"systemctl status app-[0-9]+", "global", 1, 0),
        # approved web-1..3, but web-5 scored 75 (and timed out)
        (r"docker restart web-[0-9]+", "target:prod-web", 0, 1),
        # approved ten times, but every one of them scored 70
        (r"rm -r /tmp/build-[0-9]+", "target:ci", 0, 10),
    ],
)
def test_look_alikes_of_denied_or_high_risk_commands_are_not_offered(
    history: History,
    proposals: list[Proposal],
    pattern: str,
    scope: str,
    denied: int,
    high_risk: int,
) -> None:
    result = replay(
        history, pattern=pattern, rule_type=RuleType.REGEX, scope=scope, rules=LIVE, now=NOW
    )
    assert (result.matched_denied, result.matched_high_risk) == (denied, high_risk)
    assert not result.safe
    assert pattern not in {p.pattern for p in proposals}


def test_high_risk_approvals_are_never_learnt(proposals: list[Proposal]) -> None:
    patterns = {p.pattern for p in proposals}
    assert "terraform apply -auto-approve" not in patterns  # approved 3 times at 72
    assert not any(p.startswith("rm -r ") for p in patterns)


def test_secrets_never_reach_a_proposal(proposals: list[Proposal]) -> None:
    text = json.dumps([(p.pattern, p.evidence) for p in proposals])
    for secret in ("S3cr3tPassw0rd", "eyJhbGci", "tok_9f8e", "tok_0a1b", "c2lnbmF0dXJl"):
        assert secret not in text
    # The MySQL command was approved four times, but an exact rule would hold the password.
    assert not any(p.pattern.startswith("mysql") for p in proposals)
    health = next(p for p in proposals if p.pattern.startswith("curl"))
    assert health.evidence["examples"] == [
        'curl -s -H "Authorization: Bearer ****" https://api.internal/health'
    ]


def test_scopes_are_separate(history: History, proposals: list[Proposal]) -> None:
    # "rm /tmp/build-7.log" was denied on staging; the rule learnt on ci does not apply there.
    builds = next(p for p in proposals if p.pattern == r"rm /tmp/build-[0-9]+\.log")
    assert builds.scope == "target:ci"
    on_staging = replay(
        history,
        pattern=builds.pattern,
        rule_type=RuleType.REGEX,
        scope="target:staging",
        rules=LIVE,
        now=NOW,
    )
    assert on_staging.matched_denied == 1


def test_dismissed_proposals_are_skipped_and_the_exact_rule_then_shows(history: History) -> None:
    pattern = fingerprint(r"rm /tmp/build-[0-9]+\.log", RuleType.REGEX, "target:ci")
    found = {(p.type, p.pattern) for p in propose(history, rules=LIVE, now=NOW, skip={pattern})}
    assert (RuleType.REGEX, r"rm /tmp/build-[0-9]+\.log") not in found
    assert (RuleType.EXACT, "rm /tmp/build-101.log") in found


def test_a_rule_in_force_is_not_proposed_again(history: History) -> None:
    accepted = rule("rule_logs", r"rm /tmp/build-[0-9]+\.log", "regex", "target:ci")
    found = {p.pattern for p in propose(history, rules=[*LIVE, accepted], now=NOW)}
    assert r"rm /tmp/build-[0-9]+\.log" not in found
    assert "rm /tmp/build-101.log" not in found  # the rule approves it already


def test_an_expired_exact_rule_is_not_upgraded(history: History) -> None:
    expired = replace(LIVE[0], expires_at=NOW - 1)
    found = propose(history, rules=[expired, *LIVE[1:]], now=NOW)
    make = next(p for p in found if p.pattern.startswith("make"))
    assert make.upgrade_of_rule_id is None


def test_a_new_denial_withdraws_a_proposal(history: History) -> None:
    denial = HistoryRow(
        command="git pull origin release-1.7",
        target=None,
        status="denied",
        risk_score=0,
        whitelisted=False,
        created_at=datetime(2025, 3, 3),
        reviewer_name="carol",
    )
    later = History([denial, *history.rows])
    found = {p.pattern for p in propose(later, rules=LIVE, now=NOW)}
    assert r"git pull origin release-1\.[0-9]+" not in found
    result = replay(
        later,
        pattern=r"git pull origin release-1\.[0-9]+",
        rule_type=RuleType.REGEX,
        scope="global",
        rules=LIVE,
        now=NOW,
    )
    assert result.matched_denied == 1


def test_edited_approvals_are_not_approvals_of_the_submitted_text(history: History) -> None:
    edited = History([replace(row, edited=True) for row in history.rows])
    assert propose(edited, rules=LIVE, now=NOW) == []


def test_thresholds_are_configurable(history: History) -> None:
    strict = propose(history, rules=LIVE, now=NOW, thresholds=Thresholds(min_repeats=20))
    assert [p.pattern for p in strict if p.type is RuleType.EXACT] == ["git pull origin main"]
    wide = propose(history, rules=LIVE, now=NOW, thresholds=Thresholds(min_distinct=5))
    assert [p.pattern for p in wide if p.type is RuleType.REGEX] == [
        r"rm /tmp/build-[0-9]+\.log",
        "make -C /srv/app/build-[0-9]+ test",
    ]


def test_five_thousand_rows_take_well_under_the_debounce_budget(history: History) -> None:
    big = History(list(history.rows) * 16)  # 4,848 rows
    started = time.perf_counter()
    assert propose(big, rules=LIVE, now=NOW)
    assert time.perf_counter() - started < 10
