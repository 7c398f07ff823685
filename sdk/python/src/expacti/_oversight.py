"""``client.oversight()``: is a human there to decide, right now? (``GET /api/v1/oversight``)

Meant for the moment before a long unattended job: an agent that learns nobody can
approve its commands degrades gracefully (waits, queues, does the read-only part, tells
its operator) instead of submitting into a timeout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Final, Literal, TypeAlias, cast, get_args

from ._errors import ExpactiProtocolError
from ._fields import Fields, load_json
from ._http import api_url, get_async

__all__ = ["Oversight", "TimeoutAction", "WorkingHours", "fetch_oversight", "parse_oversight"]

TimeoutAction: TypeAlias = Literal["deny", "escalate"]
"""What the server does with a command nobody decided in time."""

_TIMEOUT_ACTIONS: Final = frozenset(get_args(TimeoutAction))
_CLOCK: Final = re.compile(r"([0-9]{2}):([0-9]{2})")
_WHAT: Final = "oversight report"


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """When the organisation's reviewers are expected to be around.

    ``days`` are ISO weekdays (1 is Monday, 7 Sunday); ``start`` and ``end`` are local
    times in ``timezone`` (an IANA name such as ``"Europe/Berlin"``).
    """

    timezone: str
    days: tuple[int, ...]
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class Oversight:
    """Whether a reviewer who may decide for this agent is connected now, and the rules.

    ``available`` is the answer that matters: at least one reviewer eligible to decide this
    agent's commands is online. ``reviewers_online`` counts every connected reviewer of the
    organisation, ``eligible_online`` those who may decide for this agent,
    ``senior_online`` those who may also take escalations. ``within_working_hours`` is
    None when the organisation set no ``working_hours``. A command nobody decides within
    ``timeout_seconds`` is denied (``timeout_action`` ``"deny"``) or escalated
    (``"escalate"``). ``checked_at`` is the server's clock.
    """

    available: bool
    reviewers_online: int
    eligible_online: int
    senior_online: int
    within_working_hours: bool | None
    working_hours: WorkingHours | None
    timeout_seconds: int
    timeout_action: TimeoutAction
    checked_at: datetime


async def fetch_oversight(ws_url: str, token: str, *, timeout: float) -> Oversight:
    """The server's oversight report for the agent the token belongs to."""
    body = await get_async(
        api_url(ws_url, "/api/v1/oversight"),
        token,
        timeout=timeout,
        what="the oversight report",
        missing=_not_offered,
    )
    return parse_oversight(body)


def _not_offered(url: str) -> ExpactiProtocolError:
    return ExpactiProtocolError(
        f"the server at {url} offers no oversight report (HTTP 404): it may predate it",
        code="not_found",
    )


def parse_oversight(body: str | bytes) -> Oversight:
    """Parse the JSON of ``GET /api/v1/oversight``; anything off is ExpactiProtocolError."""
    try:
        obj = load_json(body)
    except (ValueError, RecursionError):
        raise ExpactiProtocolError(f"the server sent an invalid {_WHAT}: not JSON") from None
    if not isinstance(obj, dict):
        raise ExpactiProtocolError(f"the server sent an invalid {_WHAT}: not a JSON object")
    f = Fields(obj, what=_WHAT)
    action = f.text("timeout_action")
    if action not in _TIMEOUT_ACTIONS:
        raise f.invalid(f"timeout_action: unknown action {action!r}")
    return Oversight(
        available=f.flag("available"),
        reviewers_online=f.integer("reviewers_online", 0, 1_000_000),
        eligible_online=f.integer("eligible_online", 0, 1_000_000),
        senior_online=f.integer("senior_online", 0, 1_000_000),
        within_working_hours=f.opt_flag("within_working_hours"),
        working_hours=_working_hours(f),
        timeout_seconds=f.integer("timeout_seconds", 1, 86_400),
        timeout_action=cast(TimeoutAction, action),
        checked_at=f.timestamp("checked_at"),
    )


def _working_hours(f: Fields) -> WorkingHours | None:
    if not f.has("working_hours"):
        raise f.invalid("working_hours: required field missing")
    raw = f.obj["working_hours"]
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise f.invalid("working_hours: expected an object or null")
    hours = Fields(raw, what=f"{_WHAT} (working_hours)")
    days = raw.get("days")
    if not isinstance(days, list) or not all(type(day) is int and 1 <= day <= 7 for day in days):
        raise hours.invalid("days: expected an array of weekdays 1-7")
    return WorkingHours(
        timezone=hours.text("timezone"),
        days=tuple(days),
        start=_clock(hours, "start"),
        end=_clock(hours, "end"),
    )


def _clock(f: Fields, key: str) -> time:
    text = f.text(key)
    match = _CLOCK.fullmatch(text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise f.invalid(f"{key}: expected a time of day HH:MM (00:00-23:59)")
    return time(int(match[1]), int(match[2]))
