"""A submission, validated the same way whether it came over WebSocket or HTTP."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Any

from expacti_server.encryption.envelope import Envelope, check_envelope, check_label
from expacti_server.errors import CommandTooLarge, InvalidFrame, PayloadTooLarge

REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
MAX_TARGET_LENGTH = 255
MAX_CLIENT_TIMEOUT_SECONDS = 600
MAX_SESSION_ID = 128


@dataclass(frozen=True, slots=True)
class Limits:
    """Size limits a submission must respect (from Settings)."""

    max_command_bytes: int
    max_metadata_bytes: int


@dataclass(frozen=True, slots=True)
class Submission:
    """What an agent asked for, already checked against every limit."""

    request_id: str
    command: str
    target: str | None = None
    session: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    timeout_seconds: int | None = None
    encrypted: Any = None  # the raw envelope as received; checked into ``envelope``
    envelope: Envelope | None = None

    @property
    def encrypted_json(self) -> dict[str, Any] | None:
        """The checked envelope as stored and shown (None for a plaintext command)."""
        return None if self.envelope is None else self.envelope.as_json


def validate_submission(submission: Submission, limits: Limits) -> Submission:
    """Return the submission (with its envelope checked), or raise the typed error for the
    first problem. Whether the envelope's keys exist is checked later, against the database."""
    if not REQUEST_ID_PATTERN.fullmatch(submission.request_id):
        raise InvalidFrame(
            "request_id must be 1-128 characters of A-Z a-z 0-9 . _ : -", field="request_id"
        )
    check_command_text(submission.command, limits)
    if submission.target is not None and len(submission.target) > MAX_TARGET_LENGTH:
        raise InvalidFrame(f"target exceeds {MAX_TARGET_LENGTH} characters", field="target")
    timeout = submission.timeout_seconds
    if timeout is not None and not 1 <= timeout <= MAX_CLIENT_TIMEOUT_SECONDS:
        raise InvalidFrame(
            f"timeout_seconds must be between 1 and {MAX_CLIENT_TIMEOUT_SECONDS}",
            field="timeout_seconds",
        )
    _check_session(submission.session)
    _check_metadata_size(submission, limits)
    if submission.encrypted is None:
        return submission
    check_label(submission.command)
    envelope = check_envelope(submission.encrypted, max_command_bytes=limits.max_command_bytes)
    return dataclasses.replace(submission, envelope=envelope)


def check_command_text(command: str, limits: Limits, *, field: str = "command") -> None:
    """Refuse a command text that is too large, blank, or holds NUL characters."""
    if len(command) > limits.max_command_bytes or (
        len(command.encode("utf-8", "surrogatepass")) > limits.max_command_bytes
    ):
        raise CommandTooLarge(
            f"{field} exceeds {limits.max_command_bytes} bytes", limit=limits.max_command_bytes
        )
    if not command.strip():
        raise InvalidFrame(f"{field} must not be blank", field=field)
    if "\x00" in command:
        raise InvalidFrame(f"{field} must not contain NUL characters", field=field)


def _check_session(session: dict[str, Any] | None) -> None:
    if session is None:
        return
    if not isinstance(session.get("id"), str) or not session["id"]:
        raise InvalidFrame("session.id must be a non-empty string", field="session.id")
    if len(session["id"]) > MAX_SESSION_ID:
        raise InvalidFrame(
            f"session.id must be at most {MAX_SESSION_ID} characters", field="session.id"
        )
    if "goal" in session and session["goal"] is not None and not isinstance(session["goal"], str):
        raise InvalidFrame("session.goal must be a string", field="session.goal")
    steps = session.get("steps")
    if steps is not None and not (
        isinstance(steps, list) and all(isinstance(step, str) for step in steps)
    ):
        raise InvalidFrame("session.steps must be a list of strings", field="session.steps")
    current = session.get("current_step")
    if current is not None and (isinstance(current, bool) or not isinstance(current, int)):
        raise InvalidFrame("session.current_step must be an integer", field="session.current_step")


def _check_metadata_size(submission: Submission, limits: Limits) -> None:
    if submission.session is None and submission.context is None:
        return
    size = len(json.dumps([submission.session, submission.context], separators=(",", ":")).encode())
    if size > limits.max_metadata_bytes:
        raise PayloadTooLarge(
            f"session and context exceed {limits.max_metadata_bytes} bytes of JSON",
            limit=limits.max_metadata_bytes,
        )
