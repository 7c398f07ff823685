"""Wire frames of protocol v1 (docs/PROTOCOL.md): strict parsing in, compact JSON out.

The parser fails closed: a frame that is not exactly what the protocol promises raises
ExpactiProtocolError, so a malformed ``decision`` can never be taken as an approval.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, TypeAlias, cast, get_args

from ._decision import Decision, DecisionState
from ._errors import ExpactiProtocolError

__all__ = [
    "Accepted",
    "DecisionFrame",
    "ErrorFrame",
    "Hello",
    "Pong",
    "ServerFrame",
    "cancel_frame",
    "parse_server_frame",
    "ping_frame",
    "submit_frame",
]

_DECISION_STATES: Final = frozenset(get_args(DecisionState))


@dataclass(frozen=True, slots=True)
class Hello:
    """Sent once after the handshake: who the token belongs to and the server's limits."""

    protocol: str
    server: str | None = None
    agent: Mapping[str, Any] = field(default_factory=dict)
    org: Mapping[str, Any] = field(default_factory=dict)
    limits: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Accepted:
    """The command is pending a human; ``resumed`` when an earlier submit is being resumed."""

    request_id: str
    command_id: str
    status: str
    expires_at: datetime
    resumed: bool


@dataclass(frozen=True, slots=True)
class DecisionFrame:
    """The final decision on a command, validated (``approved`` agrees with ``decision``)."""

    request_id: str
    command_id: str
    approved: bool
    decision: DecisionState
    latency_ms: float
    reviewer: str | None
    notes: str | None
    whitelisted: bool
    rule_id: str | None
    risk_score: int
    anomalies: tuple[str, ...]

    def to_decision(self, command: str) -> Decision:
        """The public Decision for this frame, for the command that was submitted."""
        return Decision(
            approved=self.approved,
            decision=self.decision,
            command_id=self.command_id,
            latency_ms=self.latency_ms,
            reviewer=self.reviewer,
            notes=self.notes,
            whitelisted=self.whitelisted,
            rule_id=self.rule_id,
            risk_score=self.risk_score,
            anomalies=self.anomalies,
            request_id=self.request_id,
            command=command,
        )


@dataclass(frozen=True, slots=True)
class Pong:
    """The answer to a ``ping``."""

    nonce: str | None


@dataclass(frozen=True, slots=True)
class ErrorFrame:
    """The server refused a frame; nothing was created, decided or cancelled."""

    code: str
    message: str
    request_id: str | None
    details: Mapping[str, Any] = field(default_factory=dict)


ServerFrame: TypeAlias = Hello | Accepted | DecisionFrame | Pong | ErrorFrame


def parse_server_frame(text: str | bytes) -> ServerFrame:
    """Parse one frame from the server, or raise ExpactiProtocolError if it is invalid."""
    if not isinstance(text, str):
        raise ExpactiProtocolError("the server sent a binary frame; protocol v1 is text only")
    try:
        obj = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_nan)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise ExpactiProtocolError(f"the server sent invalid JSON: {exc}") from None
    except RecursionError:  # nested deeper than the parser can follow
        raise ExpactiProtocolError("the server sent JSON nested too deeply") from None
    if not isinstance(obj, dict):
        raise ExpactiProtocolError("the server sent a frame that is not a JSON object")
    request_id = obj.get("request_id")
    reader = _Fields(obj, request_id if isinstance(request_id, str) else None)
    kind = obj.get("type")
    parse = _PARSERS.get(kind) if isinstance(kind, str) else None
    if parse is None:
        raise reader.invalid(f"unknown frame type {kind!r}")
    return parse(reader)


def submit_frame(
    *,
    request_id: str,
    command: str,
    target: str | None = None,
    timeout_seconds: int | None = None,
    session: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
    encrypted: Mapping[str, Any] | None = None,
) -> str:
    """A ``submit`` frame; optional fields that are None are left out."""
    frame: dict[str, Any] = {"type": "submit", "request_id": request_id, "command": command}
    if target is not None:
        frame["target"] = target
    if timeout_seconds is not None:
        frame["timeout_seconds"] = timeout_seconds
    if session is not None:
        frame["session"] = dict(session)
    if context is not None:
        frame["context"] = dict(context)
    if encrypted is not None:
        frame["encrypted"] = dict(encrypted)
    return _dumps(frame)


def cancel_frame(*, request_id: str, reason: str | None = None) -> str:
    """A ``cancel`` frame naming the command by its ``request_id``."""
    frame = {"type": "cancel", "request_id": request_id}
    if reason is not None:
        frame["reason"] = reason
    return _dumps(frame)


def ping_frame(nonce: str | None = None) -> str:
    """An application-level ``ping`` frame."""
    return _dumps({"type": "ping"} if nonce is None else {"type": "ping", "nonce": nonce})


def _dumps(frame: Mapping[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), allow_nan=False)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # {"approved": false, "approved": true} means different things to different parsers.
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate key in object")
    return obj


def _no_nan(constant: str) -> Any:
    raise ValueError(f"{constant} is not valid JSON")


class _Fields:
    """Typed access to one frame's fields; every failure is an ExpactiProtocolError."""

    def __init__(self, obj: dict[str, Any], request_id: str | None) -> None:
        self.obj = obj
        self.request_id = request_id
        self.kind = obj.get("type")

    def invalid(self, problem: str) -> ExpactiProtocolError:
        what = f"{self.kind} frame" if isinstance(self.kind, str) else "frame"
        return ExpactiProtocolError(
            f"the server sent an invalid {what}: {problem}", request_id=self.request_id
        )

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

    def flag(self, key: str) -> bool:
        value = self._get(key, required=True)
        if not isinstance(value, bool):
            raise self.invalid(f"{key}: expected a boolean")
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

    def text_list(self, key: str) -> tuple[str, ...]:
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


def _hello(f: _Fields) -> Hello:
    limits = f.mapping("limits")
    return Hello(
        protocol=f.text("protocol"),
        server=f.opt_text("server"),
        agent=f.mapping("agent"),
        org=f.mapping("org"),
        # Unknown or odd limits are ignored like unknown fields; the SDK only reads numbers.
        limits={k: v for k, v in limits.items() if isinstance(v, int) and not isinstance(v, bool)},
    )


def _accepted(f: _Fields) -> Accepted:
    return Accepted(
        request_id=f.text("request_id"),
        command_id=f.text("command_id"),
        status=f.text("status"),
        expires_at=f.timestamp("expires_at"),
        resumed=f.flag("resumed"),
    )


def _decision(f: _Fields) -> DecisionFrame:
    approved = f.flag("approved")
    state = f.text("decision")
    if state not in _DECISION_STATES:
        raise f.invalid(f"decision: unknown state {state!r}")
    if approved != (state == "approved"):
        # The gate fails closed: a contradictory frame is never an approval.
        raise f.invalid(f"approved is {str(approved).lower()} but decision is {state!r}")
    return DecisionFrame(
        request_id=f.text("request_id"),
        command_id=f.text("command_id"),
        approved=approved,
        decision=cast(DecisionState, state),
        latency_ms=f.number("latency_ms"),
        reviewer=f.opt_text("reviewer", required=True),
        notes=f.opt_text("notes", required=True),
        whitelisted=f.flag("whitelisted"),
        rule_id=f.opt_text("rule_id", required=True),
        risk_score=f.integer("risk_score", 0, 100),
        anomalies=f.text_list("anomalies"),
    )


def _pong(f: _Fields) -> Pong:
    return Pong(nonce=f.opt_text("nonce"))


def _error(f: _Fields) -> ErrorFrame:
    return ErrorFrame(
        code=f.text("code"),
        message=f.opt_text("message") or "",
        request_id=f.opt_text("request_id"),
        details=f.mapping("details"),
    )


_PARSERS: Final[dict[str, Callable[[_Fields], ServerFrame]]] = {
    "hello": _hello,
    "accepted": _accepted,
    "decision": _decision,
    "pong": _pong,
    "error": _error,
}
