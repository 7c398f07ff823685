"""Reconnect delays: exponential, capped, fully jittered."""

from __future__ import annotations

import random

import pytest

from expacti._backoff import INITIAL_BACKOFF, backoff_delay


def test_no_failure_no_wait() -> None:
    assert backoff_delay(0, cap=5.0, rand=lambda: 1.0) == 0.0


def test_upper_bound_doubles_from_0_1_up_to_the_cap() -> None:
    bounds = [backoff_delay(n, cap=5.0, rand=lambda: 1.0) for n in range(1, 10)]
    assert INITIAL_BACKOFF == 0.1
    assert bounds == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0])


def test_full_jitter_scales_the_bound() -> None:
    assert backoff_delay(3, cap=5.0, rand=lambda: 0.0) == 0.0
    assert backoff_delay(3, cap=5.0, rand=lambda: 0.5) == pytest.approx(0.2)


def test_real_jitter_stays_within_bounds() -> None:
    rng = random.Random(7)
    delays = [backoff_delay(4, cap=5.0, rand=rng.random) for _ in range(200)]
    assert all(0.0 <= d < 0.8 for d in delays)
    assert len(set(delays)) > 100


def test_a_long_outage_does_not_overflow() -> None:
    assert backoff_delay(10_000, cap=5.0, rand=lambda: 1.0) == 5.0
