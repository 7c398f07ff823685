"""SQL expressions the sections share; each works on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case, func
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from expacti_server.commands.models import Command
from expacti_server.commands.status import Status
from expacti_server.reports import stats
from expacti_server.reports.window import ReportWindow


def category() -> ColumnElement[str]:
    """How a command ended (``stats.CATEGORIES``), as one SQL value."""
    return case(
        (and_(Command.status == Status.APPROVED.value, Command.whitelisted), stats.WHITELISTED),
        (Command.status == Status.APPROVED.value, stats.APPROVED_BY_REVIEWER),
        (
            and_(Command.status == Status.DENIED.value, Command.reviewer_id.is_(None)),
            stats.DENIED_BY_SYSTEM,
        ),
        (Command.status == Status.DENIED.value, stats.DENIED_BY_REVIEWER),
        else_=Command.status,
    )


def commands_in(org_id: str, window: ReportWindow) -> ColumnElement[bool]:
    """The org's commands submitted in the window."""
    return and_(
        Command.org_id == org_id,
        Command.created_at >= window.start,
        Command.created_at < window.end,
    )


def human_decision() -> ColumnElement[bool]:
    """Approved or denied by a reviewer (not a rule, not the system)."""
    return and_(
        Command.status.in_((Status.APPROVED.value, Status.DENIED.value)),
        ~Command.whitelisted,
        Command.reviewer_id.is_not(None),
        Command.latency_ms.is_not(None),
    )


def utc_day(conn: AsyncConnection, column: Any) -> ColumnElement[str]:
    """``YYYY-MM-DD`` of a timestamp column, in UTC.

    SQLite holds timestamps as UTC text (``2026-11-01 09:30:00.000000``);
    PostgreSQL as ``timestamptz``, converted to UTC whatever the session's zone.
    """
    if conn.dialect.name == "sqlite":
        return func.substr(column, 1, 10)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")


def required_approvers() -> ColumnElement[int]:
    """The number of approvals a command's stored requirement needs (1 if none stored)."""
    return func.coalesce(Command.requirement["required"].as_integer(), 1)
