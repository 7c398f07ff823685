"""The report as CSV: one row per evidence item of each control, for a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Final

from expacti_server.reports.evidence import Figure
from expacti_server.reports.schemas import ComplianceReport

COLUMNS: Final = (
    "control_id",
    "title",
    "status",
    "evidence",
    "figure",
    "unit",
    "evidence_status",
    "note",
    "evidence_key",
)
# A cell starting with one of these is a formula to a spreadsheet; names and patterns come
# from users, so such text cells get a leading apostrophe.
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def rows(report: ComplianceReport) -> Iterator[list[str]]:
    """The header, then one row per (control, evidence item)."""
    yield list(COLUMNS)
    for control in report.controls:
        for item in control.evidence:
            yield [
                control.id,
                control.title,
                control.status.value,
                item.label,
                _figure(item.figure),
                item.unit or "",
                item.status.value,
                _text(item.note or ""),
                item.key,
            ]


def render_csv(report: ComplianceReport) -> str:
    """The whole CSV text (a few dozen rows: one per control's evidence item)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows(report))
    return out.getvalue()


def _figure(value: Figure) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)
    return _text(value)


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value
