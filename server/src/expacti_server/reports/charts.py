"""The report's charts, drawn with reportlab.graphics (vector, no matplotlib)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from reportlab.graphics.charts.barcharts import VerticalBarChart  # type: ignore[import-untyped]
from reportlab.graphics.charts.legends import Legend  # type: ignore[import-untyped]
from reportlab.graphics.shapes import Drawing, String  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]

from expacti_server.reports.sections.models import (
    DayCounts,
    HistogramBucket,
    Outcomes,
    RiskBandCounts,
)

WIDTH: Final = 460
HEIGHT: Final = 190
_MAX_DAY_LABELS: Final = 16

# Outcomes in the order they are stacked, with their colours and legend names.
SERIES: Final = (
    ("approved_by_reviewer", colors.HexColor("#2e7d32"), "approved by reviewer"),
    ("whitelisted", colors.HexColor("#81c784"), "whitelisted"),
    ("denied", colors.HexColor("#c62828"), "denied"),
    ("timed_out", colors.HexColor("#ef6c00"), "timed out"),
    ("cancelled", colors.HexColor("#9e9e9e"), "cancelled"),
    ("pending", colors.HexColor("#1565c0"), "pending"),
)

DECISIONS_PER_DAY: Final = "Decisions per day"
LATENCY_DISTRIBUTION: Final = "Review latency distribution"
RISK_MIX: Final = "Risk mix"


def decisions_per_day(days: Sequence[DayCounts]) -> Any:
    """Stacked bars: commands submitted each UTC day, by how they ended."""
    step = max(1, -(-len(days) // _MAX_DAY_LABELS))
    labels = [d.day.strftime("%m-%d") if i % step == 0 else "" for i, d in enumerate(days)]
    return _stacked(labels, days)


def latency_histogram(buckets: Sequence[HistogramBucket]) -> Any:
    """Bars: human decisions per latency bucket."""
    drawing = Drawing(WIDTH, HEIGHT)
    values = [b.count for b in buckets]
    if not any(values):
        return _placeholder(drawing, "No human decisions in this range.")
    chart = _bars([b.label for b in buckets], [values])
    chart.bars[0].fillColor = colors.HexColor("#1565c0")
    drawing.add(chart)
    return drawing


def risk_mix(bands: Sequence[RiskBandCounts]) -> Any:
    """Stacked bars: commands per risk band, by how they ended."""
    labels = [f"{b.band} ({b.min_score}-{b.max_score})" for b in bands]
    return _stacked(labels, bands)


def _stacked(labels: list[str], rows: Sequence[Outcomes]) -> Any:
    drawing = Drawing(WIDTH, HEIGHT + 30)
    data = [[getattr(row, key) for row in rows] for key, _, _ in SERIES]
    if not any(any(series) for series in data):
        return _placeholder(drawing, "No commands in this range.")
    chart = _bars(labels, data)
    chart.categoryAxis.style = "stacked"
    for i, (_, colour, _) in enumerate(SERIES):
        chart.bars[i].fillColor = colour
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 45, HEIGHT + 22
    legend.columnMaximum = 1
    legend.fontSize = 7
    legend.boxAnchor = "nw"
    legend.deltax = 62
    legend.alignment = "right"
    legend.dx = legend.dy = 7
    legend.colorNamePairs = [(colour, name) for _, colour, name in SERIES]
    drawing.add(legend)
    return drawing


def _bars(labels: list[str], data: list[list[int]]) -> Any:
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 45, 30, WIDTH - 60, HEIGHT - 45
    chart.data = data
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.angle = 30 if len(labels) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(labels) > 8 else "n"
    chart.valueAxis.valueMin = 0
    top = max(sum(col) for col in zip(*data, strict=True))
    chart.valueAxis.valueMax = max(top, 1)
    chart.valueAxis.valueStep = max(1, -(-top // 5))
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%d"
    chart.barSpacing = 0
    chart.groupSpacing = 2 if len(labels) > 60 else 6
    chart.categoryAxis.visibleTicks = len(labels) <= 60
    chart.strokeColor = None
    chart.bars.strokeColor = None
    chart.bars.strokeWidth = 0
    return chart


def _placeholder(drawing: Any, text: str) -> Any:
    drawing.add(
        String(
            WIDTH / 2,
            drawing.height / 2,
            text,
            fontSize=10,
            textAnchor="middle",
            fillColor=colors.grey,
        )
    )
    return drawing
