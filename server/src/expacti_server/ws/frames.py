"""The v1 wire frames as msgspec structs: strict decoding and fast encoding on the hot path."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from expacti_server.commands.record import DecisionView, ProgressView
from expacti_server.errors import ExpactiError, InvalidFrame, MalformedJSON, UnknownFrameType

PROTOCOL_VERSION = "v1"


class Submit(msgspec.Struct, tag="submit", tag_field="type"):
    """Ask for a decision on a command."""

    request_id: str
    command: str
    target: str | None = None
    session: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    timeout_seconds: int | None = None
    # End-to-end encrypted command (docs/ENCRYPTION.md); checked in commands/submission.py
    # so the WebSocket and HTTP refuse the same envelopes with the same messages.
    encrypted: dict[str, Any] | None = None


class Cancel(msgspec.Struct, tag="cancel", tag_field="type"):
    """Withdraw a command by request_id or command_id."""

    request_id: str | None = None
    command_id: str | None = None
    reason: str | None = None


class SessionEnd(msgspec.Struct, tag="session_end", tag_field="type"):
    """The agent finished (or gave up on) a session it named in its submissions."""

    session_id: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    status: Literal["completed", "failed"]


CommandId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
TermSize = Annotated[int, msgspec.Meta(ge=1, le=1000)]
Seq = Annotated[int, msgspec.Meta(ge=1)]
OutputEvent = tuple[Annotated[float, msgspec.Meta(ge=0)], Literal["o", "r", "i"], str]


class ExecStart(msgspec.Struct, tag="exec_start", tag_field="type"):
    """An approved command starts running on the agent, in a terminal of this size."""

    command_id: CommandId
    cols: TermSize
    rows: TermSize


class ExecOutput(msgspec.Struct, tag="exec_output", tag_field="type"):
    """A numbered batch of what the running command printed (and resizes, and input)."""

    command_id: CommandId
    seq: Seq
    events: Annotated[list[OutputEvent], msgspec.Meta(min_length=1, max_length=1000)]
    dropped_bytes: Annotated[int, msgspec.Meta(ge=0)] = 0


class ExecEnd(msgspec.Struct, tag="exec_end", tag_field="type"):
    """The command exited (a signal N is reported as 128+N)."""

    command_id: CommandId
    seq: Seq
    exit_code: Annotated[int, msgspec.Meta(ge=-255, le=1024)]
    duration: Annotated[float, msgspec.Meta(ge=0)] = 0.0


class Ping(msgspec.Struct, tag="ping", tag_field="type"):
    """Liveness check, answered with a pong."""

    nonce: str | None = None


ClientFrame = Submit | Cancel | SessionEnd | ExecStart | ExecOutput | ExecEnd | Ping


class Accepted(msgspec.Struct, tag="accepted", tag_field="type"):
    """The command is stored and waits for a reviewer."""

    request_id: str
    command_id: str
    status: str
    expires_at: str
    resumed: bool


class Decision(msgspec.Struct, tag="decision", tag_field="type"):
    """The final word on a command."""

    request_id: str
    command_id: str
    approved: bool
    decision: str
    latency_ms: float
    reviewer: str | None
    notes: str | None
    whitelisted: bool
    rule_id: str | None
    risk_score: int
    anomalies: list[str]
    command: str
    edited: bool
    approvers: list[str]


class Progress(msgspec.Struct, tag="progress", tag_field="type"):
    """A pending command moved on: a partial approval, or an escalation that extended it."""

    request_id: str
    command_id: str
    approvals: int
    required: int
    approvers: list[str]
    escalated: bool
    expires_at: str


class ExecAck(msgspec.Struct, tag="exec_ack", tag_field="type"):
    """The execution frames of a command stored so far (the highest seq, 0 after exec_start)."""

    command_id: str
    seq: int
    recording_id: str
    capture_input: bool


class Pong(msgspec.Struct, tag="pong", tag_field="type"):
    """Answer to a ping."""

    nonce: str | None = None


class Error(msgspec.Struct, tag="error", tag_field="type"):
    """A typed error about one frame; the connection stays open."""

    code: str
    message: str
    details: dict[str, Any]
    request_id: str | None = None


_decoder = msgspec.json.Decoder(ClientFrame)
_encoder = msgspec.json.Encoder()


def decode(raw: str | bytes) -> ClientFrame:
    """Parse one client frame, raising the typed error the protocol names for each fault."""
    try:
        frame: ClientFrame = _decoder.decode(raw)
    except msgspec.ValidationError as exc:
        raise _classify(str(exc)) from None
    except msgspec.DecodeError:
        raise MalformedJSON("frame is not valid JSON") from None
    except RecursionError:
        raise InvalidFrame("frame is nested too deeply") from None
    return frame


def _classify(message: str) -> ExpactiError:
    if " - at `" not in message:
        # A root-level mismatch: the frame is JSON, but not an object.
        if message.startswith("Expected `object`"):
            return MalformedJSON("frame must be a JSON object")
        if "missing required field `type`" in message:
            return UnknownFrameType("frame has no type")
        return InvalidFrame(message)
    if message.endswith("at `$.type`"):
        return UnknownFrameType(
            "unknown frame type; expected submit, cancel, session_end, exec_start, "
            "exec_output, exec_end or ping"
        )
    return InvalidFrame(message.replace("`$.", "`"))


def request_id_of(raw: str | bytes) -> str | None:
    """Best-effort request_id of a frame that failed validation, to label the error."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    request_id = value.get("request_id") if isinstance(value, dict) else None
    return request_id if isinstance(request_id, str) and len(request_id) <= 128 else None


def encode(frame: msgspec.Struct) -> bytes:
    """JSON bytes of a server frame."""
    return _encoder.encode(frame)


def decision_frame(view: DecisionView) -> bytes:
    """The encoded decision frame for a decision."""
    return _encoder.encode(
        Decision(
            request_id=view.request_id,
            command_id=view.command_id,
            approved=view.approved,
            decision=view.decision,
            latency_ms=round(view.latency_ms, 3),
            reviewer=view.reviewer,
            notes=view.notes,
            whitelisted=view.whitelisted,
            rule_id=view.rule_id,
            risk_score=view.risk_score,
            anomalies=view.anomalies,
            command=view.command,
            edited=view.edited,
            approvers=view.approvers,
        )
    )


def progress_frame(view: ProgressView) -> bytes:
    """The encoded progress frame of a pending command."""
    return _encoder.encode(
        Progress(
            request_id=view.request_id,
            command_id=view.command_id,
            approvals=view.approvals,
            required=view.required,
            approvers=view.approvers,
            escalated=view.escalated,
            expires_at=iso_utc(view.expires_at),
        )
    )


def iso_utc(moment: datetime) -> str:
    """ISO-8601 in UTC with a Z, as every frame writes times."""
    return moment.isoformat().replace("+00:00", "Z")


def error_frame(error: ExpactiError, request_id: str | None = None) -> bytes:
    """The encoded error frame for a typed error."""
    return _encoder.encode(
        Error(code=error.code, message=error.message, details=error.details, request_id=request_id)
    )
