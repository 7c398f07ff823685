"""The statistics a report uses: outcome categories, percentiles, latency buckets, risk bands.

Pure functions and constants; the SQL that applies them is in ``sections/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from expacti_server.policy.risk.scoring import HIGH_RISK

# How a command ended, finer than its status: who approved, who denied. Every command
# falls in exactly one.
APPROVED_BY_REVIEWER: Final = "approved_by_reviewer"
WHITELISTED: Final = "whitelisted"
DENIED_BY_REVIEWER: Final = "denied_by_reviewer"
DENIED_BY_SYSTEM: Final = "denied_by_system"
TIMED_OUT: Final = "timed_out"
CANCELLED: Final = "cancelled"
PENDING: Final = "pending"
CATEGORIES: Final = (
    APPROVED_BY_REVIEWER,
    WHITELISTED,
    DENIED_BY_REVIEWER,
    DENIED_BY_SYSTEM,
    TIMED_OUT,
    CANCELLED,
    PENDING,
)

MEDIAN: Final = 50
P95: Final = 95


def nearest_rank_index(count: int, percent: int) -> int:
    """The 0-based position of the ``percent``-th percentile among ``count`` sorted values,
    by the nearest-rank method: the smallest value with at least ``percent``% of the
    values at or below it (so the median of an even count is the lower middle value)."""
    if count < 1:
        raise ValueError("no values")
    if not 0 < percent <= 100:
        raise ValueError("percent must be in (0, 100]")
    return max(0, (percent * count + 99) // 100 - 1)


def nearest_rank(sorted_values: Sequence[float], percent: int) -> float:
    """The nearest-rank percentile of values already sorted ascending."""
    return sorted_values[nearest_rank_index(len(sorted_values), percent)]


@dataclass(frozen=True, slots=True)
class Bucket:
    """A half-open interval ``[lower, upper)`` of review latency; ``upper`` None is unbounded."""

    label: str
    lower_ms: float
    upper_ms: float | None

    def holds(self, value_ms: float) -> bool:
        """Whether a latency falls in this bucket."""
        return value_ms >= self.lower_ms and (self.upper_ms is None or value_ms < self.upper_ms)


_S: Final = 1000.0
_MIN: Final = 60_000.0
LATENCY_BUCKETS: Final = (
    Bucket("< 10 s", 0.0, 10 * _S),
    Bucket("10-30 s", 10 * _S, 30 * _S),
    Bucket("30-60 s", 30 * _S, _MIN),
    Bucket("1-2 min", _MIN, 2 * _MIN),
    Bucket("2-5 min", 2 * _MIN, 5 * _MIN),
    Bucket("5-10 min", 5 * _MIN, 10 * _MIN),
    Bucket(">= 10 min", 10 * _MIN, None),
)


def bucket_of(value_ms: float) -> Bucket:
    """The latency bucket a value falls in (negative values count as 0)."""
    for bucket in LATENCY_BUCKETS:
        if bucket.holds(max(value_ms, 0.0)):
            return bucket
    raise AssertionError("the last bucket is unbounded")


@dataclass(frozen=True, slots=True)
class RiskBand:
    """A range of risk scores, both ends inclusive."""

    name: str
    min_score: int
    max_score: int


RISK_BANDS: Final = (
    RiskBand("none", 0, 0),
    RiskBand("low", 1, 29),
    RiskBand("medium", 30, HIGH_RISK - 1),
    RiskBand("high", HIGH_RISK, 100),
)


def band_of(score: int) -> RiskBand:
    """The band a risk score falls in (out-of-range scores are clamped)."""
    clamped = min(max(score, 0), 100)
    return next(band for band in RISK_BANDS if band.min_score <= clamped <= band.max_score)


def fill(counts: Mapping[str, int], keys: Sequence[str]) -> dict[str, int]:
    """``counts`` with every key of ``keys`` present (0 where missing), in that order."""
    return {key: int(counts.get(key, 0)) for key in keys}
