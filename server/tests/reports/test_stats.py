"""Percentiles, buckets, bands and outcome counts."""

from __future__ import annotations

import itertools

import pytest

from expacti_server.policy.risk.scoring import HIGH_RISK
from expacti_server.reports import stats
from expacti_server.reports.sections.models import Outcomes


@pytest.mark.parametrize(
    ("count", "percent", "index"),
    [
        (1, 50, 0),
        (1, 95, 0),
        (2, 50, 0),
        (4, 50, 1),
        (5, 50, 2),
        (20, 95, 18),
        (21, 95, 19),
        (100, 95, 94),
        (100, 100, 99),
        (3, 1, 0),
    ],
)
def test_nearest_rank_positions(count: int, percent: int, index: int) -> None:
    assert stats.nearest_rank_index(count, percent) == index


def test_nearest_rank_values() -> None:
    values = [float(v) for v in range(1, 101)]
    assert stats.nearest_rank(values, 50) == 50.0
    assert stats.nearest_rank(values, 95) == 95.0
    assert stats.nearest_rank([3.0, 7.0], 50) == 3.0  # the lower middle value
    assert stats.nearest_rank([3.0, 7.0], 95) == 7.0


@pytest.mark.parametrize(("count", "percent"), [(0, 50), (5, 0), (5, 101)])
def test_nearest_rank_refuses_nonsense(count: int, percent: int) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - either message will do
        stats.nearest_rank_index(count, percent)


def test_latency_buckets_cover_every_value_once() -> None:
    buckets = stats.LATENCY_BUCKETS
    assert buckets[0].lower_ms == 0
    assert buckets[-1].upper_ms is None
    for before, after in itertools.pairwise(buckets):
        assert before.upper_ms == after.lower_ms
    for value in (0.0, 9_999.9, 10_000.0, 59_999.0, 60_000.0, 599_999.0, 600_000.0, 1e9):
        assert sum(b.holds(value) for b in buckets) == 1
    assert stats.bucket_of(10_000.0).label == "10-30 s"
    assert stats.bucket_of(-5.0).label == "< 10 s"
    assert stats.bucket_of(3_600_000.0).label == ">= 10 min"


def test_risk_bands_cover_0_to_100_and_high_starts_at_high_risk() -> None:
    assert [stats.band_of(s).name for s in (0, 1, 29, 30, HIGH_RISK - 1, HIGH_RISK, 100)] == [
        "none",
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]
    assert stats.band_of(150).name == "high"
    assert stats.band_of(-1).name == "none"


def test_outcomes_fold_categories_and_count_human_decisions() -> None:
    outcomes = Outcomes.of(
        {
            stats.APPROVED_BY_REVIEWER: 3,
            stats.WHITELISTED: 10,
            stats.DENIED_BY_REVIEWER: 2,
            stats.DENIED_BY_SYSTEM: 1,
            stats.TIMED_OUT: 4,
            stats.CANCELLED: 5,
        }
    )
    assert outcomes.denied == 3
    assert outcomes.denied_by_system == 1
    assert outcomes.pending == 0
    assert outcomes.total == 3 + 10 + 3 + 4 + 5
    assert outcomes.human_decisions == 3 + 2
    assert Outcomes.of({}) == Outcomes()


def test_fill_keeps_the_order_of_the_keys_and_zero_fills() -> None:
    assert list(stats.fill({"b": 2, "x": 9}, ["a", "b"]).items()) == [("a", 0), ("b", 2)]
