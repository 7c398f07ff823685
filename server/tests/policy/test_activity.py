"""The in-memory agent history: priming, novelty, pace and bursts, and its bounds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from expacti_server.policy.activity import EWMA_ALPHA, AgentActivity, program_names
from expacti_server.policy.risk import AgentHistory, RiskContext, RiskFinding
from expacti_server.policy.risk.rules import Novelty, UnusualActivity
from expacti_server.policy.shell import parse_command

T0 = 1_800_000_000.0  # a whole minute (divisible by 60)


def context(history: AgentHistory, at: float, target: str | None = None) -> RiskContext:
    return RiskContext(
        agent_id="a",
        target=target,
        now=datetime.fromtimestamp(at, UTC),
        working_hours=None,
        history=history,
    )


def test_program_names_are_base_names_in_order_without_repeats() -> None:
    parts = ["sudo -u app env X=1 /usr/bin/psql -c x", "psql", "FOO=1", "ls | grep x"]
    assert program_names(parts) == ["sudo", "env", "psql", "ls"]
    assert len(program_names([f"p{i}" for i in range(100)])) == 32


def test_an_unknown_agent_has_no_history() -> None:
    history = AgentActivity().history_for("org", "a")
    assert (history.known, history.command_count) == (False, 0)
    assert not history.seen_program("ls")
    assert (history.recent_count(60), history.baseline_per_minute()) == (0, 0.0)


def test_priming_loads_the_past_and_novelty_compares_with_it() -> None:
    activity = AgentActivity()
    assert activity.needs_priming("org", "a")
    rows = [(["git pull", "make"], "build-1", T0 + 60 * i) for i in range(30)]
    activity.prime("org", "a", reversed(rows))  # any order
    assert not activity.needs_priming("org", "a")
    history = activity.history_for("org", "a", now=T0 + 3600)
    assert (history.known, history.command_count) == (True, 30)
    assert history.seen_program("git")
    assert history.seen_program("make")
    assert history.seen_target("build-1")
    assert not history.seen_target("prod")

    def novelty(text: str, target: str) -> RiskFinding | None:
        return Novelty().evaluate(parse_command(text), context(history, T0 + 3600, target))

    assert novelty("git status && make", "build-1") is None
    assert novelty("terraform apply", "build-1") == RiskFinding(
        "novelty", 30, "This agent runs terraform for the first time."
    )
    assert novelty("make", "prod") == RiskFinding(
        "novelty", 30, "This agent uses target prod for the first time."
    )


def test_a_recorded_program_is_no_longer_new() -> None:
    activity = AgentActivity()
    activity.prime("org", "a", [(["ls"], None, T0 + i) for i in range(25)])
    activity.record("org", "a", program_names(["terraform plan"]), "prod", T0 + 100)
    history = activity.history_for("org", "a", now=T0 + 200)
    assert history.seen_program("terraform")
    assert history.seen_target("prod")
    assert history.command_count == 26


def test_priming_twice_changes_nothing() -> None:
    activity = AgentActivity()
    activity.prime("org", "a", [(["ls"], None, T0)])
    activity.prime("org", "a", [(["rm x"], None, T0)] * 50)
    history = activity.history_for("org", "a", now=T0)
    assert history.command_count == 1
    assert not history.seen_program("rm")


def test_submissions_recorded_while_the_database_was_read_are_kept() -> None:
    activity = AgentActivity()
    activity.record("org", "a", ["kubectl"], "prod", T0 + 500)
    assert activity.needs_priming("org", "a")  # recorded, but its past not loaded yet
    activity.prime("org", "a", [(["git pull"], "build-1", T0 + i) for i in range(3)])
    history = activity.history_for("org", "a", now=T0 + 500)
    assert history.command_count == 4
    assert all(map(history.seen_program, ["git", "kubectl"]))
    assert history.seen_target("prod")
    assert history.seen_target("build-1")
    assert history.recent_count(60) == 1  # T0 + 500; the primed ones are older


def test_recent_count_looks_back_from_now() -> None:
    activity = AgentActivity()
    for i in range(10):
        activity.record("org", "a", ["ls"], None, T0 + 10 * i)  # T0 .. T0+90
    history = activity.history_for("org", "a", now=T0 + 90)
    assert history.recent_count(60) == 6  # T0+40 .. T0+90: after the cutoff T0+30
    assert history.recent_count(1000) == 10
    assert activity.history_for("org", "a", now=T0 + 45).recent_count(60) == 5  # not later ones


def test_a_late_record_is_put_in_order() -> None:
    activity = AgentActivity()
    for at in (T0 + 50, T0 + 10, T0 + 30):
        activity.record("org", "a", ["ls"], None, at)
    assert activity.history_for("org", "a", now=T0 + 40).recent_count(35) == 2  # 10 and 30


def test_the_baseline_averages_active_minutes_only() -> None:
    activity = AgentActivity()
    for minute in range(10):  # 2 a minute for ten minutes, then an hour of silence
        for second in (0, 30):
            activity.record("org", "a", ["ls"], None, T0 + 60 * minute + second)
    history = activity.history_for("org", "a", now=T0 + 4200)
    assert history.baseline_per_minute() == pytest.approx(2.0)


def test_the_minute_in_progress_is_not_in_the_baseline() -> None:
    activity = AgentActivity()
    activity.record("org", "a", ["ls"], None, T0)  # minute 0: 1
    for second in range(30):  # minute 1: 30 so far
        activity.record("org", "a", ["ls"], None, T0 + 60 + second)
    assert activity.history_for("org", "a", now=T0 + 90).baseline_per_minute() == 1.0
    later = activity.history_for("org", "a", now=T0 + 150).baseline_per_minute()
    assert later == pytest.approx(EWMA_ALPHA * 30 + (1 - EWMA_ALPHA) * 1)


def test_a_burst_well_above_the_baseline_is_unusual() -> None:
    activity = AgentActivity()
    rows = [(["make"], None, T0 + 60 * minute) for minute in range(60)]  # 1 a minute
    activity.prime("org", "a", rows)
    start = T0 + 3600
    findings = []
    for i in range(12):
        history = activity.history_for("org", "a", now=start + i)
        findings.append(
            UnusualActivity().evaluate(parse_command("make"), context(history, start + i))
        )
        activity.record("org", "a", ["make"], None, start + i)
    assert findings[:9] == [None] * 9  # 1..9 in a minute: under max(10, 5 x 1)
    assert findings[9] == RiskFinding(
        "unusual_activity",
        40,
        "Submitted 10 commands in the last minute against a usual 1.0 per minute.",
    )
    assert all(f is not None and f.score == 40 for f in findings[9:])


def test_a_busy_agent_needs_a_bigger_burst() -> None:
    activity = AgentActivity()
    rows = [(["make"], None, T0 + 60 * m + s) for m in range(30) for s in range(0, 60, 10)]
    activity.prime("org", "a", rows)  # 6 a minute
    history = activity.history_for("org", "a", now=T0 + 1800 + 30)
    assert history.baseline_per_minute() == pytest.approx(6.0)
    for i in range(20):
        activity.record("org", "a", ["make"], None, T0 + 1800 + i)
    history = activity.history_for("org", "a", now=T0 + 1800 + 30)
    quiet = UnusualActivity().evaluate(parse_command("make"), context(history, T0 + 1830))
    assert quiet is None  # 2 + 20 + this one = 23 in the last minute, under 5 x 6
    for i in range(20, 29):
        activity.record("org", "a", ["make"], None, T0 + 1800 + i)
    burst = UnusualActivity().evaluate(parse_command("make"), context(history, T0 + 1830))
    assert burst is not None
    assert burst.score == 40


def test_the_number_of_agents_is_bounded_least_recently_active_first() -> None:
    activity = AgentActivity(max_agents=3)
    for agent in "abc":
        activity.record("org", agent, ["ls"], None, T0)
    activity.history_for("org", "a")  # a is active again; b is now the oldest
    activity.record("org", "d", ["ls"], None, T0)
    assert len(activity) == 3
    assert activity.history_for("org", "b").known is False
    assert all(activity.history_for("org", agent).known for agent in "acd")


def test_agents_of_different_organisations_are_apart() -> None:
    activity = AgentActivity()
    activity.record("org-1", "a", ["terraform"], "prod", T0)
    assert not activity.history_for("org-2", "a").known


def test_programs_targets_and_times_are_bounded_per_agent() -> None:
    activity = AgentActivity(max_programs=2, max_targets=1, max_recent=5)
    activity.record("org", "a", ["one", "two"], "t1", T0)
    activity.record("org", "a", ["one"], "t2", T0 + 1)  # "one" used again: "two" is oldest
    activity.record("org", "a", ["three"], None, T0 + 2)
    for i in range(10):
        activity.record("org", "a", [], None, T0 + 3 + i)
    history = activity.history_for("org", "a", now=T0 + 20)
    assert [history.seen_program(p) for p in ("one", "two", "three")] == [True, False, True]
    assert [history.seen_target(t) for t in ("t1", "t2")] == [False, True]
    assert history.recent_count(60) == 5
    assert history.command_count == 13


def test_forget_drops_an_agent() -> None:
    activity = AgentActivity()
    activity.record("org", "a", ["ls"], None, T0)
    activity.forget("org", "a")
    activity.forget("org", "never-seen")
    assert len(activity) == 0
    assert activity.needs_priming("org", "a")
