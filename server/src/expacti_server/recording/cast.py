"""The asciicast v2 format: the header line and event lines of a recording file."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

ASCIICAST_VERSION = 2
TERM = "xterm-256color"


def header(*, width: int, height: int, started_at: datetime, title: str) -> bytes:
    """The first line of a recording."""
    return line(
        {
            "version": ASCIICAST_VERSION,
            "width": width,
            "height": height,
            "timestamp": int(started_at.timestamp()),
            "title": title,
            "env": {"TERM": TERM},
        }
    )


def event(time: float, code: str, data: str) -> bytes:
    """One event line: output ``o``, input ``i``, resize ``r`` or marker ``m``."""
    return line([round(time, 6), code, data])


def line(value: Any) -> bytes:
    """A JSON value as one newline-terminated line (newlines inside strings are escaped)."""
    return json.dumps(value, ensure_ascii=False).encode() + b"\n"


def size_of(data: str) -> tuple[int, int] | None:
    """``(cols, rows)`` of a resize event's ``COLSxROWS``, or None if it is not one."""
    cols, sep, rows = data.partition("x")
    if not sep or not (cols + rows).isascii() or not cols.isdigit() or not rows.isdigit():
        return None
    width, height = int(cols), int(rows)
    return (width, height) if 0 < width <= 1000 and 0 < height <= 1000 else None
