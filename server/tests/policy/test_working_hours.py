"""Working hours: parsing, time zones, daylight saving, night shifts."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from expacti_server.policy.working_hours import WorkingHours

OFFICE = {"timezone": "Europe/Berlin", "days": [1, 2, 3, 4, 5], "start": "09:00", "end": "17:30"}


def hours(**changes: object) -> WorkingHours:
    return WorkingHours.parse({**OFFICE, **changes})


def test_parse_reads_the_json_shape_and_to_dict_gives_it_back() -> None:
    parsed = hours()
    assert parsed == WorkingHours(
        timezone="Europe/Berlin",
        days=frozenset({1, 2, 3, 4, 5}),
        start=time(9, 0),
        end=time(17, 30),
    )
    assert parsed.to_dict() == OFFICE
    assert parsed.describe() == "Mon, Tue, Wed, Thu, Fri 09:00-17:30 Europe/Berlin"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "working_hours.timezone 'Mars/Olympus' is not a known"),
        ({"timezone": "../etc/passwd"}, "working_hours.timezone"),
        ({"timezone": 1}, "working_hours.timezone must be an IANA time zone name"),
        ({"days": [0, 1]}, "working_hours.days must be ISO weekdays 1..7"),
        ({"days": [8]}, "working_hours.days must be ISO weekdays 1..7"),
        ({"days": []}, "working_hours.days must be ISO weekdays 1..7"),
        ({"days": ["mon"]}, "working_hours.days must be a list"),
        ({"days": [True]}, "working_hours.days must be a list"),
        ({"days": 5}, "working_hours.days must be a list"),
        ({"start": "9:00"}, "working_hours.start must be a 24-hour time HH:MM"),
        ({"end": "24:00"}, "working_hours.end must be a 24-hour time HH:MM"),
        ({"end": 17}, "working_hours.end must be a 24-hour time HH:MM"),
        ({"end": "09:00"}, "working_hours.start and end must differ"),
        ({"lunch": "12:00"}, "working_hours has unknown fields: lunch"),
    ],
)
def test_parse_names_the_faulty_field(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        hours(**data)


def test_parse_names_missing_fields() -> None:
    with pytest.raises(ValueError, match="working_hours is missing: end, start"):
        WorkingHours.parse({"timezone": "UTC", "days": [1]})


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        ("2026-11-23T08:00:00+00:00", True),  # Monday 09:00 in Berlin: the start is inside
        ("2026-11-23T07:59:59+00:00", False),
        ("2026-11-23T16:29:59+00:00", True),
        ("2026-11-23T16:30:00+00:00", False),  # 17:30 in Berlin: the end is outside
        ("2026-11-21T10:00:00+00:00", False),  # Saturday
        ("2026-07-06T07:30:00+00:00", True),  # Monday 09:30 in summer time (UTC+2)
        ("2026-07-06T15:45:00+00:00", False),  # 17:45 in summer time
        ("2026-11-23T12:00:00-05:00", False),  # 17:00 UTC = 18:00 in Berlin
        ("2026-11-23T03:00:00-05:00", True),  # 08:00 UTC = 09:00 in Berlin
    ],
)
def test_contains_reads_the_moment_in_the_organisations_time_zone(
    moment: str, inside: bool
) -> None:
    assert hours().contains(at(moment)) is inside


def test_the_same_instant_differs_between_time_zones() -> None:
    instant = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 16:00 Berlin, 10:00 New York
    new_york = hours(timezone="America/New_York", end="11:00")
    berlin = hours(end="11:00")
    assert new_york.contains(instant)
    assert not berlin.contains(instant)


@pytest.mark.parametrize(
    ("local", "inside"),
    [
        ("2026-11-27T23:00", True),  # Friday evening: the shift starts on Friday
        ("2026-11-28T03:00", True),  # Saturday morning: the Friday shift goes on
        ("2026-11-28T06:00", False),  # the end is outside
        ("2026-11-27T03:00", False),  # Friday morning: the Thursday shift, not worked
        ("2026-11-28T23:00", False),  # Saturday evening: no shift starts on Saturday
        ("2026-11-27T12:00", False),
    ],
)
def test_a_night_shift_belongs_to_the_day_it_starts(local: str, inside: bool) -> None:
    night = hours(days=[5], start="22:00", end="06:00")
    moment = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo("Europe/Berlin"))
    assert night.contains(moment) is inside


def test_hours_until_midnight() -> None:
    evening = hours(start="18:00", end="00:00", days=[1])
    assert evening.contains(at("2026-11-23T22:59:00+00:00"))  # Monday 23:59 in Berlin
    assert not evening.contains(at("2026-11-23T23:00:00+00:00"))  # Tuesday 00:00


def test_contains_needs_an_aware_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        hours().contains(datetime(2026, 11, 23, 10, 0))


def test_local_times_must_not_carry_a_zone() -> None:
    with pytest.raises(ValueError, match="without a zone"):
        WorkingHours("UTC", frozenset({1}), time(9, tzinfo=UTC), time(17))
