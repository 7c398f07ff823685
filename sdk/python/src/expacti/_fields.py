"""Strict reading of the server's JSON: frames over the socket, reports over HTTP.

Shared by ``_frames.py`` and ``_oversight.py`` so that both fail the same way: anything
that is not exactly what the protocol promises is an ExpactiProtocolError.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from ._errors import ExpactiProtocolError

__all__ = ["Fields", "load_json"]


def load_json(text: str | bytes) -> Any:
    """Parse JSON refusing duplicate keys and NaN/Infinity.

    Raises ValueError (invalid JSON) or RecursionError (nested too deeply).
    """
    return json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_nan)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # {"approved": false, "approved": true} means different things to different parsers.
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate key in object")
    return obj


def _no_nan(constant: str) -> Any:
    raise ValueError(f"{constant} is not valid JSON")


class Fields:
    """Typed access to one JSON object's fields; every failure is an ExpactiProtocolError.

    ``what`` names the object in error messages ("decision frame", "oversight report").
    A field given a ``default`` may be absent; present, it must have the right type
    (null included: a null where a value is promised is invalid).
    """

    def __init__(self, obj: dict[str, Any], *, what: str, request_id: str | None = None) -> None:
        self.obj = obj
        self.what = what
        self.request_id = request_id

    def invalid(self, problem: str) -> ExpactiProtocolError:
        return ExpactiProtocolError(
            f"the server sent an invalid {self.what}: {problem}", request_id=self.request_id
        )

    def has(self, key: str) -> bool:
        return key in self.obj

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.obj and required:
            raise self.invalid(f"{key}: required field missing")
        return self.obj.get(key)

    def text(self, key: str) -> str:
        value = self._get(key, required=True)
        if not isinstance(value, str):
            raise self.invalid(f"{key}: expected a string")
        return value

    def opt_text(self, key: str, *, required: bool = False) -> str | None:
        value = self._get(key, required)
        if value is not None and not isinstance(value, str):
            raise self.invalid(f"{key}: expected a string or null")
        return value

    def flag(self, key: str, *, default: bool | None = None) -> bool:
        if default is not None and key not in self.obj:
            return default
        value = self._get(key, required=True)
        if not isinstance(value, bool):
            raise self.invalid(f"{key}: expected a boolean")
        return value

    def opt_flag(self, key: str) -> bool | None:
        """A required field that is a boolean or null."""
        value = self._get(key, required=True)
        if value is not None and not isinstance(value, bool):
            raise self.invalid(f"{key}: expected a boolean or null")
        return value

    def integer(self, key: str, low: int, high: int) -> int:
        value = self._get(key, required=True)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.invalid(f"{key}: expected an integer from {low} to {high}")
        return value

    def number(self, key: str) -> float:
        value = self._get(key, required=True)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise self.invalid(f"{key}: expected a non-negative number")
        if not math.isfinite(value):
            raise self.invalid(f"{key}: expected a finite number")
        return float(value)

    def mapping(self, key: str) -> dict[str, Any]:
        value = self._get(key, required=False)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.invalid(f"{key}: expected an object")
        return value

    def text_list(self, key: str, *, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
        if default is not None and key not in self.obj:
            return default
        value = self._get(key, required=True)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.invalid(f"{key}: expected an array of strings")
        return tuple(value)

    def timestamp(self, key: str) -> datetime:
        text = self.text(key)
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise self.invalid(f"{key}: expected an ISO 8601 timestamp") from None
        if value.tzinfo is None:
            raise self.invalid(f"{key}: timestamp without a time zone")
        return value
