"""The wire format: every server vector replayed, and the frames the client builds."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from expacti import ExpactiProtocolError, Progress
from expacti._frames import (
    Accepted,
    DecisionFrame,
    ErrorFrame,
    ExecAck,
    Hello,
    Pong,
    ProgressFrame,
    cancel_frame,
    exec_end_frame,
    exec_output_frame,
    exec_start_frame,
    parse_server_frame,
    ping_frame,
    session_end_frame,
    submit_frame,
)
from factories import make_decision

VECTORS = Path(__file__).resolve().parents[3] / "protocol" / "vectors"
SERVER_CASES: list[dict[str, Any]] = json.loads((VECTORS / "server_frames.json").read_text())[
    "cases"
]
CLIENT_CASES: list[dict[str, Any]] = json.loads((VECTORS / "client_frames.json").read_text())[
    "cases"
]
TYPES = {"hello": Hello, "accepted": Accepted, "decision": DecisionFrame, "pong": Pong}
TYPES |= {"error": ErrorFrame, "progress": ProgressFrame, "exec_ack": ExecAck}


def server_case(name: str) -> dict[str, Any]:
    frame: dict[str, Any] = next(c for c in SERVER_CASES if c["name"] == name)["frame"]
    return frame


def parse_decision(name: str) -> DecisionFrame:
    frame = parse_server_frame(json.dumps(server_case(name)))
    assert isinstance(frame, DecisionFrame)
    return frame


def test_the_vectors_are_there() -> None:
    assert len(SERVER_CASES) >= 19
    assert any(not case["expect"]["valid"] for case in SERVER_CASES)


@pytest.mark.parametrize("case", SERVER_CASES, ids=[case["name"] for case in SERVER_CASES])
def test_server_frame_vector(case: dict[str, Any]) -> None:
    text = json.dumps(case["frame"])
    expect = case["expect"]
    if not expect["valid"]:
        with pytest.raises(ExpactiProtocolError) as info:
            parse_server_frame(text)
        assert info.value.code is None
        return
    frame = parse_server_frame(text)
    assert isinstance(frame, TYPES[case["frame"]["type"]])
    if "approved" in expect:
        assert isinstance(frame, DecisionFrame)
        assert frame.approved is expect["approved"]
        assert frame.decision == case["frame"]["decision"]


def test_decision_fields_reach_the_public_decision_unchanged() -> None:
    case = next(c for c in SERVER_CASES if c["name"] == "decision-denied")
    frame = parse_server_frame(json.dumps(case["frame"]))
    assert isinstance(frame, DecisionFrame)
    decision = frame.to_decision("rm -rf /tmp/x")
    wire = case["frame"]
    for name in ("approved", "decision", "command_id", "latency_ms", "reviewer", "notes"):
        assert getattr(decision, name) == wire[name]
    for name in ("whitelisted", "rule_id", "risk_score", "request_id"):
        assert getattr(decision, name) == wire[name]
    assert decision.anomalies == tuple(wire["anomalies"])
    assert decision.command == "rm -rf /tmp/x"


def test_an_edited_decision_carries_the_edited_command_and_keeps_the_original() -> None:
    wire = server_case("decision-edited")
    decision = parse_decision("decision-edited").to_decision("terraform apply")
    assert decision.command == wire["command"] == "terraform apply -target=module.web"
    assert decision.original_command == "terraform apply"
    assert (decision.edited, decision.approvers) == (True, ("alice",))


def test_without_an_edit_the_command_is_the_agents_own_text() -> None:
    # An encrypted command's server copy is only its label: the local plaintext counts.
    decision = parse_decision("decision-multi-party").to_decision("psql -c 'select 1'")
    assert decision.command == decision.original_command == "psql -c 'select 1'"
    assert (decision.edited, decision.approvers) == (False, ("alice", "bob"))


def test_a_decision_from_an_older_server_has_the_defaults() -> None:
    frame = parse_decision("decision-denied")
    assert (frame.command, frame.edited, frame.approvers) == (None, False, ())
    decision = frame.to_decision("rm -rf /tmp/x")
    assert (decision.command, decision.original_command) == ("rm -rf /tmp/x", "rm -rf /tmp/x")
    assert (decision.edited, decision.approvers) == (False, ())


def test_an_edit_without_the_edited_command_never_becomes_a_decision() -> None:
    frame = replace(parse_decision("decision-edited"), command=None)
    with pytest.raises(ExpactiProtocolError, match="without the edited command"):
        frame.to_decision("terraform apply")


def test_a_decision_built_without_original_command_asked_for_its_command() -> None:
    assert make_decision(command="ls").original_command == "ls"
    assert make_decision(command="ls -a", original_command="ls").original_command == "ls"


def test_progress_reaches_the_public_progress_unchanged() -> None:
    wire = server_case("progress")
    frame = parse_server_frame(json.dumps(wire))
    assert isinstance(frame, ProgressFrame)
    assert frame.request_id == wire["request_id"]
    assert frame.to_progress() == Progress(
        command_id=wire["command_id"],
        approvals=1,
        required=2,
        approvers=("alice",),
        escalated=False,
        expires_at=datetime(2026, 11, 21, 10, 6, tzinfo=UTC),
    )


def test_invalid_frame_keeps_its_request_id_for_routing() -> None:
    case = next(c for c in SERVER_CASES if c["name"] == "decision-approved-but-decision-denied")
    with pytest.raises(ExpactiProtocolError) as info:
        parse_server_frame(json.dumps(case["frame"]))
    assert info.value.request_id == "r-8"


def test_accepted_expires_at_is_an_aware_datetime() -> None:
    case = next(c for c in SERVER_CASES if c["name"] == "accepted")
    frame = parse_server_frame(json.dumps(case["frame"]))
    assert isinstance(frame, Accepted)
    assert frame.expires_at == datetime(2026, 11, 21, 10, 1, tzinfo=UTC)


def _decision(**changes: Any) -> str:
    frame = next(c for c in SERVER_CASES if c["name"] == "decision-approved-by-reviewer")["frame"]
    return json.dumps({**frame, **changes})


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(b'{"type": "pong"}', id="binary"),
        pytest.param("{", id="not-json"),
        pytest.param("[1]", id="not-an-object"),
        pytest.param('{"type":"decision","approved":false,"approved":true}', id="duplicate-key"),
        pytest.param(_decision().replace("4211.5", "NaN"), id="nan-latency"),
        pytest.param(_decision(approved=False), id="approved-false-but-decision-approved"),
        pytest.param(_decision(risk_score=True), id="risk-score-bool"),
        pytest.param(_decision(risk_score=101), id="risk-score-out-of-range"),
        pytest.param(_decision(anomalies=[1]), id="anomalies-not-strings"),
        pytest.param(_decision(reviewer=7), id="reviewer-not-a-string"),
        pytest.param(_decision(request_id=None), id="request-id-null"),
        pytest.param(
            json.dumps({k: v for k, v in json.loads(_decision()).items() if k != "reviewer"}),
            id="reviewer-missing",
        ),
        pytest.param(
            '{"type":"accepted","request_id":"r","command_id":"c","status":"pending",'
            '"expires_at":"2026-11-21T10:01:00","resumed":false}',
            id="expires-at-without-zone",
        ),
        pytest.param(
            '{"type":"accepted","request_id":"r","command_id":"c","status":"pending",'
            '"expires_at":"soon","resumed":false}',
            id="expires-at-not-a-timestamp",
        ),
        pytest.param('{"type":"hello"}', id="hello-without-protocol"),
    ],
)
def test_fails_closed_on(text: str | bytes) -> None:
    with pytest.raises(ExpactiProtocolError):
        parse_server_frame(text)


@pytest.mark.parametrize(("opening", "closing"), [("[", "]"), ('{"x": ', "}")])
def test_a_frame_nested_too_deeply_fails_closed_without_a_request_id(
    opening: str, closing: str
) -> None:
    nested = opening * 5000 + "1" + closing * 5000
    with pytest.raises(ExpactiProtocolError, match="nested") as info:
        parse_server_frame('{"type": "decision", "request_id": "r-1", "x": ' + nested + "}")
    assert info.value.request_id is None  # nothing of it can be trusted, not even that


def test_error_frame_without_request_id() -> None:
    frame = parse_server_frame('{"type":"error","code":"internal_error","message":"boom"}')
    assert frame == ErrorFrame(code="internal_error", message="boom", request_id=None)


def test_submit_frame_is_compact_and_leaves_out_nones() -> None:
    text = submit_frame(request_id="r-1", command="ls -la")
    assert text == '{"type":"submit","request_id":"r-1","command":"ls -la"}'


def test_submit_frame_with_every_field_matches_the_full_vector() -> None:
    vector = next(c for c in CLIENT_CASES if c["name"] == "submit-full")["frame"]
    text = submit_frame(
        request_id=vector["request_id"],
        command=vector["command"],
        target=vector["target"],
        timeout_seconds=vector["timeout_seconds"],
        session=vector["session"],
        context=vector["context"],
    )
    assert json.loads(text) == vector


@pytest.mark.parametrize("name", ["session-end-completed", "session-end-failed"])
def test_session_end_frames_match_the_vectors(name: str) -> None:
    vector = next(c for c in CLIENT_CASES if c["name"] == name)["frame"]
    text = session_end_frame(session_id=vector["session_id"], status=vector["status"])
    assert json.loads(text) == vector


def test_cancel_and_ping_frames_match_the_vectors() -> None:
    known = next(c for c in CLIENT_CASES if c["name"] == "cancel-known")["frame"]
    text = cancel_frame(request_id=known["request_id"], reason=known["reason"])
    assert json.loads(text) == known
    assert json.loads(cancel_frame(request_id="r")) == {"type": "cancel", "request_id": "r"}
    assert json.loads(ping_frame("n-1")) == {"type": "ping", "nonce": "n-1"}
    assert json.loads(ping_frame()) == {"type": "ping"}


def test_exec_frames_match_the_vectors() -> None:
    def vector(name: str) -> dict[str, Any]:
        frame: dict[str, Any] = next(c for c in CLIENT_CASES if c["name"] == name)["frame"]
        return frame

    start = vector("exec-start-unknown-command")
    assert json.loads(exec_start_frame(command_id=start["command_id"], cols=80, rows=24)) == start
    output = vector("exec-output-with-resize-and-dropped-bytes")
    text = exec_output_frame(
        command_id=output["command_id"],
        seq=output["seq"],
        events=[tuple(event) for event in output["events"]],
        dropped_bytes=output["dropped_bytes"],
    )
    assert json.loads(text) == output
    end = vector("exec-end-unknown-command")
    text = exec_end_frame(command_id=end["command_id"], seq=3, exit_code=0, duration=1.5)
    assert json.loads(text) == end


def test_an_exec_ack_reaches_its_fields_and_an_error_names_its_command() -> None:
    frame = parse_server_frame(json.dumps(server_case("exec-ack-after-start")))
    assert frame == ExecAck(command_id="cmd_1", seq=0, recording_id="rec_1", capture_input=True)
    error = parse_server_frame(
        '{"type":"error","code":"not_approved","message":"m","details":{"command_id":"cmd_1"}}'
    )
    assert isinstance(error, ErrorFrame)
    assert error.command_id == "cmd_1"
    assert ErrorFrame("c", "m", None, {"command_id": 7}).command_id is None
