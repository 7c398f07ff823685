"""The one exception tree of the server.

Every error a client can see is one of these classes. The HTTP status, the
stable error ``code`` and (for WebSockets) the close code live on the class;
one handler renders them all in one JSON shape::

    {"error": {"code": "...", "message": "...", "details": {...}}}

and on a WebSocket the same exception becomes an ``error`` frame (or a close
code when the connection cannot go on).

    ExpactiError                      500 internal_error
    ├── AuthenticationFailed          401 unauthenticated
    ├── PermissionDenied              403 forbidden
    │   ├── CsrfCheckFailed           403 csrf_check_failed
    │   ├── UnreadableCommand         403 cannot_read_encrypted
    │   ├── NotEligible               403 not_eligible
    │   └── SeparationOfDuties        403 separation_of_duties
    ├── NotFound                      404 not_found
    ├── Conflict                      409 conflict
    │   ├── AlreadyDecided            409 already_decided
    │   ├── RuleMatchesDenied         409 rule_matches_denied
    │   ├── AlreadyVoted              409 already_voted
    │   ├── SuggestionNotOpen         409 suggestion_not_open
    │   ├── NotApproved               409 not_approved
    │   ├── ExecutionFinished         409 execution_finished
    │   ├── OutputRefused             409 output_refused
    │   └── RequestIdConflict         409 request_id_conflict
    ├── PayloadTooLarge               413 payload_too_large
    │   └── CommandTooLarge           413 command_too_large
    ├── InvalidRequest                422 invalid_request
    │   ├── MalformedJSON             400 malformed_json
    │   ├── InvalidFrame              422 invalid_frame
    │   ├── UnknownFrameType          422 unknown_frame_type
    │   ├── InvalidPattern            422 invalid_pattern
    │   ├── PolicyUnsatisfiable       422 policy_unsatisfiable
    │   └── InvalidPublicKey          422 invalid_public_key
    ├── TooManyPending                429 too_many_pending
    └── ServiceUnavailable            503 unavailable
"""

from __future__ import annotations

from typing import Any, ClassVar


class ExpactiError(Exception):
    """Base of every error the server reports to a client."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    default_message: ClassVar[str] = "internal error"

    def __init__(self, message: str | None = None, **details: Any) -> None:
        self.message = message or self.default_message
        self.details = {k: v for k, v in details.items() if v is not None}
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        """The error body every client sees, over HTTP and WebSocket alike."""
        return {"code": self.code, "message": self.message, "details": self.details}


class AuthenticationFailed(ExpactiError):
    """The credential is missing, unknown, revoked or malformed."""

    status_code = 401
    code = "unauthenticated"
    default_message = "a valid bearer token is required"


class PermissionDenied(ExpactiError):
    """The credential is valid but its role may not do this."""

    status_code = 403
    code = "forbidden"
    default_message = "this credential may not do that"


class CsrfCheckFailed(PermissionDenied):
    """A cookie-authenticated change came without the header only our own pages send."""

    code = "csrf_check_failed"
    default_message = "requests signed in by cookie must send the X-Expacti-CSRF: 1 header"


class UnreadableCommand(PermissionDenied):
    """An approval of an end-to-end encrypted command by a reviewer holding none of its keys."""

    code = "cannot_read_encrypted"
    default_message = (
        "this command is end-to-end encrypted for other reviewers' keys; "
        "only a reviewer who can read it may approve it (anyone may deny it)"
    )


class NotEligible(PermissionDenied):
    """The reviewer's role may not decide this command (routing by risk, target or pattern)."""

    code = "not_eligible"
    default_message = "your role may not decide this command"


class SeparationOfDuties(PermissionDenied):
    """The reviewer is linked to the agent that submitted the command, so may not approve it."""

    code = "separation_of_duties"
    default_message = "you are linked to the agent that submitted this command"


class NotFound(ExpactiError):
    """No such object in the caller's organisation."""

    status_code = 404
    code = "not_found"
    default_message = "not found"


class Conflict(ExpactiError):
    """The request contradicts the current state of an object."""

    status_code = 409
    code = "conflict"
    default_message = "conflict"


class AlreadyDecided(Conflict):
    """The command already has a final decision; decisions are never changed."""

    code = "already_decided"
    default_message = "the command has already been decided"


class RuleMatchesDenied(Conflict):
    """A new whitelist rule would have approved commands a reviewer denied."""

    code = "rule_matches_denied"
    default_message = (
        "this rule would have approved commands that were denied; "
        "send confirm_denied_matches: true to save it anyway"
    )


class AlreadyVoted(Conflict):
    """This reviewer already approved this command; one reviewer never counts twice."""

    code = "already_voted"
    default_message = "you already voted on this command"


class SuggestionNotOpen(Conflict):
    """A rule suggestion was already accepted, dismissed or withdrawn."""

    code = "suggestion_not_open"
    default_message = "this suggestion is no longer open"


class NotApproved(Conflict):
    """Only an approved command may be run and recorded."""

    code = "not_approved"
    default_message = "the command was not approved"


class ExecutionFinished(Conflict):
    """The command's run has ended; no more output is recorded for it."""

    code = "execution_finished"
    default_message = "the command's execution has already ended"


class OutputRefused(Conflict):
    """Output of an end-to-end encrypted command is not recorded: the server may not read it."""

    code = "output_refused"
    default_message = "output of an end-to-end encrypted command is not recorded"


class RequestIdConflict(Conflict):
    """The agent reused a ``request_id`` for a different command text."""

    code = "request_id_conflict"
    default_message = "request_id was already used for a different command"


class PayloadTooLarge(ExpactiError):
    """A field or frame is larger than the documented limit."""

    status_code = 413
    code = "payload_too_large"
    default_message = "payload too large"


class CommandTooLarge(PayloadTooLarge):
    """The command text exceeds ``max_command_bytes``."""

    code = "command_too_large"
    default_message = "command exceeds the size limit"


class InvalidRequest(ExpactiError):
    """The request is well-formed JSON but its content is not acceptable."""

    status_code = 422
    code = "invalid_request"
    default_message = "invalid request"


class MalformedJSON(InvalidRequest):
    """The body or frame is not valid JSON (or not a JSON object)."""

    status_code = 400
    code = "malformed_json"
    default_message = "malformed JSON"


class InvalidFrame(InvalidRequest):
    """A WebSocket frame has missing or mistyped fields."""

    code = "invalid_frame"
    default_message = "invalid frame"


class UnknownFrameType(InvalidRequest):
    """A WebSocket frame has a ``type`` this protocol version does not know."""

    code = "unknown_frame_type"
    default_message = "unknown frame type"


class InvalidPattern(InvalidRequest):
    """A whitelist pattern cannot be compiled to a linear-time matcher."""

    code = "invalid_pattern"
    default_message = "invalid whitelist pattern"


class PolicyUnsatisfiable(InvalidRequest):
    """A policy (or a change of role) would leave fewer eligible reviewers than it needs."""

    code = "policy_unsatisfiable"
    default_message = "not enough reviewers could ever satisfy this policy"


class InvalidPublicKey(InvalidRequest):
    """A reviewer's key is not base64 of an RSA SubjectPublicKeyInfo of 2048-8192 bits."""

    code = "invalid_public_key"
    default_message = "invalid public key"


class TooManyPending(ExpactiError):
    """The connection or agent has too many commands waiting at once."""

    status_code = 429
    code = "too_many_pending"
    default_message = "too many commands pending on this connection"


class ServiceUnavailable(ExpactiError):
    """The server cannot reach a decision right now (e.g. database down); fail closed."""

    status_code = 503
    code = "unavailable"
    default_message = "service unavailable"
