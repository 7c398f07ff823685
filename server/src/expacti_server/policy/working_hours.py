"""An organisation's working hours, for the ``unusual_activity`` risk rule."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["WorkingHours"]

_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_FIELDS = frozenset({"timezone", "days", "start", "end"})
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """When people are at work: ``start``..``end`` local time on ``days``.

    ``days`` are ISO weekdays (1 = Monday .. 7 = Sunday). When ``end`` is before
    ``start`` the hours cross midnight (a night shift, 22:00-06:00), and the day
    that counts is the one the shift started on: with days {5} (Friday) and
    22:00-06:00, Saturday 03:00 is inside and Friday 03:00 is not.
    """

    timezone: str  # IANA name, e.g. "Europe/Berlin"
    days: frozenset[int]
    start: time
    end: time

    def __post_init__(self) -> None:
        _zone(self.timezone)
        if not self.days or not self.days <= frozenset(range(1, 8)):
            raise ValueError(
                f"working_hours.days must be ISO weekdays 1..7, got {sorted(self.days)}"
            )
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("working_hours.start and end are local times, without a zone")
        if self.start == self.end:
            raise ValueError("working_hours.start and end must differ")

    @classmethod
    def parse(cls, data: Mapping[str, object]) -> WorkingHours:
        """Read the JSON shape of working hours; raise ValueError naming the faulty field.

        ``{"timezone": "Europe/Berlin", "days": [1, 2, 3, 4, 5], "start": "09:00", "end": "17:30"}``
        """
        unknown = set(data) - _FIELDS
        missing = _FIELDS - set(data)
        if unknown:
            raise ValueError(f"working_hours has unknown fields: {', '.join(sorted(unknown))}")
        if missing:
            raise ValueError(f"working_hours is missing: {', '.join(sorted(missing))}")
        timezone = data["timezone"]
        if not isinstance(timezone, str):
            raise ValueError("working_hours.timezone must be an IANA time zone name")
        return cls(
            timezone=timezone,
            days=_parse_days(data["days"]),
            start=_parse_clock("start", data["start"]),
            end=_parse_clock("end", data["end"]),
        )

    def to_dict(self) -> dict[str, object]:
        """The shape ``parse`` reads."""
        return {
            "timezone": self.timezone,
            "days": sorted(self.days),
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
        }

    def contains(self, moment: datetime) -> bool:
        """Whether ``moment`` (an aware datetime) falls within the working hours."""
        if moment.utcoffset() is None:
            raise ValueError("WorkingHours.contains needs an aware datetime")
        local = moment.astimezone(_zone(self.timezone))
        clock = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return local.isoweekday() in self.days and self.start <= clock < self.end
        if clock >= self.start:  # the evening of a shift that starts today
            return local.isoweekday() in self.days
        if clock < self.end:  # the morning of a shift that started yesterday
            return (local - timedelta(days=1)).isoweekday() in self.days
        return False

    def describe(self) -> str:
        """A short human form: "Mon, Tue, Wed, Thu, Fri 09:00-17:30 Europe/Berlin"."""
        days = ", ".join(_DAY_NAMES[d - 1] for d in sorted(self.days))
        return f"{days} {self.start:%H:%M}-{self.end:%H:%M} {self.timezone}"


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)  # ZoneInfo caches zones by name
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"working_hours.timezone {name!r} is not a known IANA time zone") from exc


def _parse_days(value: object) -> frozenset[int]:
    if not isinstance(value, list | tuple | set | frozenset) or not all(
        isinstance(day, int) and not isinstance(day, bool) for day in value
    ):
        raise ValueError("working_hours.days must be a list of ISO weekdays 1..7 (1 = Monday)")
    return frozenset(value)


def _parse_clock(name: str, value: object) -> time:
    match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"working_hours.{name} must be a 24-hour time HH:MM, got {value!r}")
    return time(int(match[1]), int(match[2]))
