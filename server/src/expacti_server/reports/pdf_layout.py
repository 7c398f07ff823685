"""Layout pieces of the PDF: styles, escaping, figures and the one table style."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph, Table, TableStyle  # type: ignore[import-untyped]

from expacti_server.reports.evidence import ControlStatus, Figure

STATUS_COLOURS: Final = {
    ControlStatus.EVIDENCED: colors.HexColor("#2e7d32"),
    ControlStatus.PARTIAL: colors.HexColor("#ef6c00"),
    ControlStatus.NO_ACTIVITY: colors.HexColor("#616161"),
    ControlStatus.NOT_CONFIGURED: colors.HexColor("#6a1b9a"),
    ControlStatus.EXCEPTION: colors.HexColor("#c62828"),
}
GRID: Final = colors.HexColor("#bdbdbd")
HEAD: Final = colors.HexColor("#eceff1")
MARGIN: Final = 18 * mm


class Styles:
    """The paragraph styles the document uses."""

    def __init__(self) -> None:
        base = getSampleStyleSheet()
        self.title = ParagraphStyle("title", parent=base["Title"], fontSize=22, spaceAfter=6)
        self.h1 = ParagraphStyle("h1", parent=base["Heading1"], fontSize=15, spaceBefore=4)
        self.h2 = ParagraphStyle("h2", parent=base["Heading2"], fontSize=12, spaceBefore=8)
        self.body = ParagraphStyle("body", parent=base["BodyText"], fontSize=9, leading=12)
        self.cell = ParagraphStyle("cell", parent=base["BodyText"], fontSize=8, leading=10)
        self.small = ParagraphStyle("small", parent=self.cell, textColor=colors.HexColor("#555"))


def text(value: object) -> str:
    """User or report text, safe inside a Paragraph."""
    return escape("" if value is None else str(value))


def show(value: Figure, unit: str | None = None) -> str:
    """A figure as the tables print it."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        value = f"{value:,.1f}"
    return f"{value} {unit}" if unit else str(value)


def table(
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    styles: Styles,
    *,
    header: bool = True,
) -> Any:
    """A clean grid table; every cell a Paragraph so long text wraps."""
    cells = [[Paragraph(text(c), styles.cell) for c in row] for row in rows]
    result = Table(cells, colWidths=list(widths), repeatRows=1 if header else 0)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), HEAD))
    result.setStyle(TableStyle(commands))
    return result
