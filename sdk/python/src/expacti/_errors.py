"""Every exception the SDK raises.

One tree, so a caller can catch as broadly or as narrowly as it needs::

    ExpactiError
    ├── CommandDeniedException        a human denied the command, or it was cancelled
    ├── CommandTimeoutException       no decision in time (server timed_out, or our deadline)
    ├── ExpactiConnectionError        cannot reach the server, lost it and could not resume
    │   │                             before the deadline, or the client was closed
    │   └── ExpactiAuthenticationError    the handshake was refused with 401/403, or the
    │                                     connection was closed with 1008 (token revoked)
    ├── ExpactiEncryptionError        run(encrypt=True) cannot encrypt: no reviewer key to
    │                                 encrypt for, or the ``expacti[e2e]`` extra is missing;
    │                                 nothing was sent
    └── ExpactiProtocolError          the server sent an invalid frame or an ``error`` frame,
                                      or a frame was too large (close code 1009)

None of them ever means "approved": whenever the SDK is in doubt it raises, and the
command must not run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._not_run import refused_line

if TYPE_CHECKING:
    from ._decision import Decision

__all__ = [
    "CommandDeniedException",
    "CommandTimeoutException",
    "ExpactiAuthenticationError",
    "ExpactiConnectionError",
    "ExpactiEncryptionError",
    "ExpactiError",
    "ExpactiProtocolError",
]


class ExpactiError(Exception):
    """Base class of every error raised by the expacti SDK."""


class CommandDeniedException(ExpactiError):
    """The command was denied by a reviewer, or cancelled; it must not run."""

    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        self.command = decision.command
        self.reviewer = decision.reviewer
        self.notes = decision.notes
        super().__init__(f"command {refused_line(decision)} ({decision.command_id})")

    @property
    def command_id(self) -> str:
        """The server's id of the command."""
        return self.decision.command_id


class CommandTimeoutException(ExpactiError):
    """No decision arrived in time; ``decision`` is None when the client's own deadline passed."""

    def __init__(self, command: str, decision: Decision | None = None) -> None:
        self.command = command
        self.decision = decision
        if decision is None:
            message = "no decision before the client's deadline; the command was cancelled"
        else:
            why = f": {decision.notes}" if decision.notes else ""
            message = f"command timed out{why} ({decision.command_id})"
        super().__init__(message)

    @property
    def command_id(self) -> str | None:
        """The server's id of the command, when the server decided the timeout."""
        return None if self.decision is None else self.decision.command_id


class ExpactiConnectionError(ExpactiError):
    """The server could not be reached, the connection was lost and not resumed before the
    deadline, or the client was closed ("client closed") while the run() waited."""


class ExpactiAuthenticationError(ExpactiConnectionError):
    """The server refused the token on the handshake (HTTP 401 or 403), or closed the
    connection with 1008 because it was revoked (``status_code`` 401); never retried."""

    def __init__(self, message: str, *, status_code: int) -> None:
        self.status_code = status_code
        super().__init__(message)


class ExpactiEncryptionError(ExpactiError):
    """``run(encrypt=True)`` could not encrypt the command, so nothing was sent.

    There is no reviewer key to encrypt for (none registered, or none of the trusted
    fingerprints), a key the server listed is unusable, or ``cryptography`` is not
    installed (``pip install 'expacti[e2e]'``). The SDK never falls back to plaintext.
    """


class ExpactiProtocolError(ExpactiError):
    """The server sent a frame the SDK cannot trust, or answered with an ``error`` frame.

    ``code`` is the ``error`` frame's code (``invalid_frame``, ``unavailable``…), or None
    when the frame itself was invalid. ``request_id`` names the ``run()`` it concerns, when
    known.
    """

    def __init__(
        self, message: str, *, code: str | None = None, request_id: str | None = None
    ) -> None:
        self.code = code
        self.request_id = request_id
        super().__init__(message)
