"""The time range a report covers, parsed from the request's ``from`` and ``to``.

Either bound is an ISO 8601 date (``2026-11-01``) or datetime
(``2026-11-01T09:30:00+01:00``); a datetime without a zone is UTC. ``from``
as a date starts at that day's 00:00 UTC; ``to`` as a date covers that whole
day (the range ends at 00:00 UTC the day after). A datetime ``to`` is the
exclusive end. Every instant is held as aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

from expacti_server.errors import InvalidRequest

MAX_DAYS: Final = 366
_ONE_DAY: Final = timedelta(days=1)
_TICK: Final = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class ReportWindow:
    """``start`` inclusive, ``end`` exclusive, both aware UTC."""

    start: datetime
    end: datetime

    @property
    def first_day(self) -> date:
        """The UTC day the range starts on."""
        return self.start.date()

    @property
    def last_day(self) -> date:
        """The last UTC day the range covers (inclusive)."""
        return (self.end - _TICK).date()

    def days(self) -> list[date]:
        """Every UTC day the range touches, in order (at most ``MAX_DAYS`` + 1)."""
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=i) for i in range(count)]

    def filename(self, framework: str, extension: str) -> str:
        """``expacti-soc2-2026-11-01-2026-11-21.pdf``: the framework and the days covered."""
        return f"expacti-{framework}-{self.first_day}-{self.last_day}.{extension}"


def parse_window(from_text: str, to_text: str) -> ReportWindow:
    """The window the two query parameters name; a typed 422 error for anything else."""
    start = _parse_bound(from_text, parameter="from", end=False)
    end = _parse_bound(to_text, parameter="to", end=True)
    if start >= end:
        raise InvalidRequest(
            "from must be before to", parameter="from", start=from_text, end=to_text
        )
    if end - start > timedelta(days=MAX_DAYS):
        raise InvalidRequest(
            f"a report covers at most {MAX_DAYS} days; ask for several shorter ranges",
            parameter="to",
            max_days=MAX_DAYS,
        )
    return ReportWindow(start=start, end=end)


def _parse_bound(text: str, *, parameter: str, end: bool) -> datetime:
    value = text.strip()
    try:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            moment = datetime.fromisoformat(value)
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        start_of_day = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start_of_day + _ONE_DAY if end else start_of_day
    except (ValueError, OverflowError):
        raise InvalidRequest(
            f"{parameter}: expected an ISO 8601 date (2026-11-01) or datetime "
            "(2026-11-01T09:30:00Z)",
            parameter=parameter,
            value=text[:64],
        ) from None
