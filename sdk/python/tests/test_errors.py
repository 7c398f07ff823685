"""The exception tree: who is whose parent, and what each one carries."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

import expacti
from expacti import (
    CommandDeniedException,
    CommandTimeoutException,
    ExpactiAuthenticationError,
    ExpactiConnectionError,
    ExpactiEncryptionError,
    ExpactiError,
    ExpactiProtocolError,
)
from factories import make_decision


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        (CommandDeniedException, ExpactiError),
        (CommandTimeoutException, ExpactiError),
        (ExpactiConnectionError, ExpactiError),
        (ExpactiAuthenticationError, ExpactiConnectionError),
        (ExpactiProtocolError, ExpactiError),
        (ExpactiEncryptionError, ExpactiError),
        (ExpactiError, Exception),
    ],
)
def test_tree(child: type[Exception], parent: type[Exception]) -> None:
    assert issubclass(child, parent)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (CommandDeniedException, CommandTimeoutException),
        (CommandDeniedException, ExpactiConnectionError),
        (CommandTimeoutException, ExpactiConnectionError),
        (ExpactiProtocolError, ExpactiConnectionError),
        (ExpactiEncryptionError, ExpactiConnectionError),
        (ExpactiEncryptionError, ExpactiProtocolError),
    ],
)
def test_siblings_are_unrelated(one: type[Exception], other: type[Exception]) -> None:
    assert not issubclass(one, other)
    assert not issubclass(other, one)


def test_the_tree_in_the_docstring_names_every_error() -> None:
    doc = expacti._errors.__doc__ or ""
    errors = [n for n in expacti.__all__ if n.endswith(("Error", "Exception"))]
    assert len(errors) == 7
    for name in errors:
        assert name in doc
        assert getattr(expacti, name).__doc__


def test_denied_carries_the_decision() -> None:
    decision = make_decision()
    exc = CommandDeniedException(decision)
    assert exc.decision is decision
    assert (exc.command, exc.reviewer, exc.notes) == ("rm -rf /srv", "bob", "not on a Friday")
    assert exc.command_id == "cmd_9"
    assert str(exc) == "command denied by bob: not on a Friday (cmd_9)"


def test_cancelled_is_a_denial_that_says_cancelled() -> None:
    decision = make_decision(decision="cancelled", reviewer=None, notes="agent disconnected")
    exc = CommandDeniedException(decision)
    assert exc.reviewer is None
    assert str(exc) == "command cancelled: agent disconnected (cmd_9)"


def test_timeout_from_the_server_and_from_the_client() -> None:
    decision = make_decision(decision="timed_out", reviewer=None, notes="no decision within 60 s")
    server = CommandTimeoutException("make deploy", decision)
    assert (server.command, server.decision, server.command_id) == (
        "make deploy",
        decision,
        "cmd_9",
    )
    assert "no decision within 60 s" in str(server)
    client = CommandTimeoutException("make deploy")
    assert client.decision is None
    assert client.command_id is None


def test_authentication_error_carries_the_status() -> None:
    exc = ExpactiAuthenticationError("refused", status_code=403)
    assert exc.status_code == 403
    assert isinstance(exc, ExpactiConnectionError)


def test_protocol_error_code_and_request_id() -> None:
    assert ExpactiProtocolError("bad frame").code is None
    exc = ExpactiProtocolError("refused", code="invalid_frame", request_id="r-1")
    assert (exc.code, exc.request_id, str(exc)) == ("invalid_frame", "r-1", "refused")


def test_decision_is_frozen() -> None:
    decision = make_decision()
    with pytest.raises(FrozenInstanceError):
        decision.approved = True  # type: ignore[misc]
    assert not hasattr(decision, "__dict__")  # slots
