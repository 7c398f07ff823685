"""The report's time range: ISO dates and datetimes, UTC, `to` as a date includes the day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from expacti_server.errors import InvalidRequest
from expacti_server.reports.window import MAX_DAYS, parse_window


def test_dates_cover_whole_utc_days_and_to_is_inclusive() -> None:
    window = parse_window("2026-11-01", "2026-11-21")
    assert window.start == datetime(2026, 11, 1, tzinfo=UTC)
    assert window.end == datetime(2026, 11, 22, tzinfo=UTC)
    assert (window.first_day, window.last_day) == (date(2026, 11, 1), date(2026, 11, 21))
    assert len(window.days()) == 21
    assert window.filename("soc2", "pdf") == "expacti-soc2-2026-11-01-2026-11-21.pdf"


def test_one_day_is_a_valid_range() -> None:
    window = parse_window("2026-11-01", "2026-11-01")
    assert window.end - window.start == timedelta(days=1)
    assert window.days() == [date(2026, 11, 1)]


def test_datetimes_are_utc_and_a_naive_one_is_read_as_utc() -> None:
    window = parse_window("2026-11-01T09:30:00+02:00", "2026-11-02T10:00:00")
    assert window.start == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)
    assert window.end == datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    assert window.start.tzinfo is UTC
    assert window.days() == [date(2026, 11, 1), date(2026, 11, 2)]


def test_a_datetime_end_is_exclusive() -> None:
    window = parse_window("2026-11-01T00:00:00Z", "2026-11-03T00:00:00Z")
    assert window.last_day == date(2026, 11, 2)
    assert window.filename("iso27001", "csv") == "expacti-iso27001-2026-11-01-2026-11-02.csv"


def test_the_longest_range_is_366_days() -> None:
    assert MAX_DAYS == 366
    parse_window("2024-01-01", "2024-12-31")  # a leap year: 366 days
    with pytest.raises(InvalidRequest) as refused:
        parse_window("2024-01-01", "2025-01-01")
    assert refused.value.details["parameter"] == "to"
    assert refused.value.status_code == 422


@pytest.mark.parametrize(
    ("start", "end", "parameter"),
    [
        ("2026-11-02", "2026-11-01", "from"),
        ("2026-11-01T10:00:00Z", "2026-11-01T10:00:00Z", "from"),
        ("2026-11-01T10:00:00Z", "2026-11-01T09:00:00Z", "from"),
        ("last week", "2026-11-01", "from"),
        ("2026-11-01", "2026-02-30", "to"),
        ("", "2026-11-01", "from"),
        ("2026-11-01", "9999-12-31", "to"),
        ("0001-01-01T00:00:00+01:00", "2026-11-01", "from"),
    ],
)
def test_bad_ranges_are_typed_422_errors(start: str, end: str, parameter: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        parse_window(start, end)
    assert refused.value.code == "invalid_request"
    assert refused.value.details["parameter"] == parameter
