"""Wire frames of protocol v1 (docs/PROTOCOL.md): strict parsing in, compact JSON out.

The parser fails closed: a frame that is not exactly what the protocol promises raises
ExpactiProtocolError, so a malformed ``decision`` can never be taken as an approval.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal, TypeAlias, cast, get_args

from ._decision import Decision, DecisionState
from ._errors import ExpactiProtocolError
from ._fields import Fields, load_json
from ._progress import Progress

__all__ = [
    "Accepted",
    "DecisionFrame",
    "ErrorFrame",
    "ExecAck",
    "ExecEvent",
    "Hello",
    "Pong",
    "ProgressFrame",
    "ServerFrame",
    "SessionStatus",
    "cancel_frame",
    "exec_end_frame",
    "exec_output_frame",
    "exec_start_frame",
    "parse_server_frame",
    "ping_frame",
    "session_end_frame",
    "submit_frame",
]

_DECISION_STATES: Final = frozenset(get_args(DecisionState))
_MAX_APPROVALS: Final = 1000  # far above any real policy; only bounds what a frame may say
_MAX_SEQ: Final = 2**53  # JSON integers beyond this lose precision in other parsers

SessionStatus: TypeAlias = Literal["completed", "failed"]
"""How a session ended, as ``session_end`` reports it."""


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
    """The final decision on a command, validated (``approved`` agrees with ``decision``).

    ``command`` is the server's copy of the command to run (None from servers that predate
    it); it only counts when ``edited`` is true, and then it is never blank.
    """

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
    command: str | None = None
    edited: bool = False
    approvers: tuple[str, ...] = ()

    def to_decision(self, command: str) -> Decision:
        """The public Decision for this frame, for the command that was submitted.

        ``command`` is the agent's own text (the plaintext of an encrypted command, which
        the server never saw); after an edit the Decision carries the edited text instead.
        """
        run = command
        if self.edited:
            if not self.command or not self.command.strip():
                raise ExpactiProtocolError(
                    "the server reported an edit without the edited command",
                    request_id=self.request_id,
                )
            run = self.command
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
            command=run,
            edited=self.edited,
            approvers=self.approvers,
            original_command=command,
        )


@dataclass(frozen=True, slots=True)
class ProgressFrame:
    """A pending command got a partial approval or was escalated; not a decision."""

    request_id: str
    command_id: str
    approvals: int
    required: int
    approvers: tuple[str, ...]
    escalated: bool
    expires_at: datetime

    def to_progress(self) -> Progress:
        """The public Progress for this frame."""
        return Progress(
            command_id=self.command_id,
            approvals=self.approvals,
            required=self.required,
            approvers=self.approvers,
            escalated=self.escalated,
            expires_at=self.expires_at,
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

    @property
    def command_id(self) -> str | None:
        """``details.command_id``: the command whose execution frame was refused, if any."""
        value = self.details.get("command_id")
        return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class ExecAck:
    """The server stored a command's execution frames up to ``seq`` (0: only ``exec_start``).

    ``capture_input`` in the answer to ``exec_start`` says whether the organisation records
    what is typed into the terminal.
    """

    command_id: str
    seq: int
    recording_id: str
    capture_input: bool


ServerFrame: TypeAlias = (
    Hello | Accepted | DecisionFrame | ProgressFrame | Pong | ErrorFrame | ExecAck
)

ExecEvent: TypeAlias = tuple[float, str, str]
"""One asciicast event of an ``exec_output`` frame: seconds since the start, code, data."""


def parse_server_frame(text: str | bytes) -> ServerFrame:
    """Parse one frame from the server, or raise ExpactiProtocolError if it is invalid."""
    if not isinstance(text, str):
        raise ExpactiProtocolError("the server sent a binary frame; protocol v1 is text only")
    try:
        obj = load_json(text)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise ExpactiProtocolError(f"the server sent invalid JSON: {exc}") from None
    except RecursionError:  # nested deeper than the parser can follow
        raise ExpactiProtocolError("the server sent JSON nested too deeply") from None
    if not isinstance(obj, dict):
        raise ExpactiProtocolError("the server sent a frame that is not a JSON object")
    request_id = obj.get("request_id")
    kind = obj.get("type")
    reader = Fields(
        obj,
        what=f"{kind} frame" if isinstance(kind, str) else "frame",
        request_id=request_id if isinstance(request_id, str) else None,
    )
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


def session_end_frame(*, session_id: str, status: SessionStatus) -> str:
    """A ``session_end`` frame: the agent is done with the session it chose ``session_id`` for."""
    return _dumps({"type": "session_end", "session_id": session_id, "status": status})


def exec_start_frame(*, command_id: str, cols: int, rows: int) -> str:
    """An ``exec_start`` frame: the approved command starts in a ``cols`` x ``rows`` terminal."""
    return _dumps({"type": "exec_start", "command_id": command_id, "cols": cols, "rows": rows})


def exec_output_frame(
    *, command_id: str, seq: int, events: Sequence[ExecEvent], dropped_bytes: int
) -> str:
    """An ``exec_output`` frame: terminal events, after ``dropped_bytes`` of lost output."""
    return _dumps(
        {
            "type": "exec_output",
            "command_id": command_id,
            "seq": seq,
            "events": [list(event) for event in events],
            "dropped_bytes": dropped_bytes,
        }
    )


def exec_end_frame(*, command_id: str, seq: int, exit_code: int, duration: float) -> str:
    """An ``exec_end`` frame: the command exited with ``exit_code`` after ``duration`` s."""
    return _dumps(
        {
            "type": "exec_end",
            "command_id": command_id,
            "seq": seq,
            "exit_code": exit_code,
            "duration": duration,
        }
    )


def ping_frame(nonce: str | None = None) -> str:
    """An application-level ``ping`` frame."""
    return _dumps({"type": "ping"} if nonce is None else {"type": "ping", "nonce": nonce})


def _dumps(frame: Mapping[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), allow_nan=False)


def _hello(f: Fields) -> Hello:
    limits = f.mapping("limits")
    return Hello(
        protocol=f.text("protocol"),
        server=f.opt_text("server"),
        agent=f.mapping("agent"),
        org=f.mapping("org"),
        # Unknown or odd limits are ignored like unknown fields; the SDK only reads numbers.
        limits={k: v for k, v in limits.items() if isinstance(v, int) and not isinstance(v, bool)},
    )


def _accepted(f: Fields) -> Accepted:
    return Accepted(
        request_id=f.text("request_id"),
        command_id=f.text("command_id"),
        status=f.text("status"),
        expires_at=f.timestamp("expires_at"),
        resumed=f.flag("resumed"),
    )


def _decision(f: Fields) -> DecisionFrame:
    approved = f.flag("approved")
    state = f.text("decision")
    if state not in _DECISION_STATES:
        raise f.invalid(f"decision: unknown state {state!r}")
    if approved != (state == "approved"):
        # The gate fails closed: a contradictory frame is never an approval.
        raise f.invalid(f"approved is {str(approved).lower()} but decision is {state!r}")
    # Older servers send neither; an edit must name what to run, or nothing may run.
    command = f.opt_text("command")
    edited = f.flag("edited", default=False)
    if edited and (command is None or not command.strip()):
        raise f.invalid("edited is true but command is missing or blank")
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
        command=command,
        edited=edited,
        approvers=f.text_list("approvers", default=()),
    )


def _progress(f: Fields) -> ProgressFrame:
    return ProgressFrame(
        request_id=f.text("request_id"),
        command_id=f.text("command_id"),
        approvals=f.integer("approvals", 0, _MAX_APPROVALS),
        required=f.integer("required", 1, _MAX_APPROVALS),
        approvers=f.text_list("approvers"),
        escalated=f.flag("escalated"),
        expires_at=f.timestamp("expires_at"),
    )


def _pong(f: Fields) -> Pong:
    return Pong(nonce=f.opt_text("nonce"))


def _exec_ack(f: Fields) -> ExecAck:
    return ExecAck(
        command_id=f.text("command_id"),
        seq=f.integer("seq", 0, _MAX_SEQ),
        recording_id=f.text("recording_id"),
        capture_input=f.flag("capture_input"),
    )


def _error(f: Fields) -> ErrorFrame:
    return ErrorFrame(
        code=f.text("code"),
        message=f.opt_text("message") or "",
        request_id=f.opt_text("request_id"),
        details=f.mapping("details"),
    )


_PARSERS: Final[dict[str, Callable[[Fields], ServerFrame]]] = {
    "hello": _hello,
    "accepted": _accepted,
    "decision": _decision,
    "progress": _progress,
    "pong": _pong,
    "error": _error,
    "exec_ack": _exec_ack,
}
