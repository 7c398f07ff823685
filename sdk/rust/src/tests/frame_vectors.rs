//! Every conformance vector replayed against the parser and the builders.
//!
//! Server frames: the valid ones parse (to the right type, `approved` intact), the invalid
//! ones are protocol errors without a code. Client frames: the builders make exactly the
//! vector's frame for every case the server accepts, and refuse before sending every case
//! the server refuses for a reason visible in the frame.

use serde_json::Value;

use super::vectors::{Built, CLIENT_CASES, Case, SERVER_CASES, STATEFUL, build, known};
use crate::error::Error;
use crate::frames::{ServerFrame, parse_server_frame};

fn kind(frame: &ServerFrame) -> &'static str {
    match frame {
        ServerFrame::Hello(_) => "hello",
        ServerFrame::Accepted(_) => "accepted",
        ServerFrame::Decision(_) => "decision",
        ServerFrame::Progress(_) => "progress",
        ServerFrame::Pong => "pong",
        ServerFrame::Error(_) => "error",
        ServerFrame::ExecAck => "exec_ack",
    }
}

#[test]
fn server_vectors_are_there_valid_and_invalid() {
    assert!(SERVER_CASES.len() >= 45, "{} server cases", SERVER_CASES.len());
    assert!(SERVER_CASES.iter().any(|c| c.expect["valid"] == false));
    assert!(SERVER_CASES.iter().any(|c| c.expect["valid"] == true));
}

#[test]
fn every_server_vector_parses_as_expected() {
    for case in SERVER_CASES.iter() {
        let wire = case.frame.as_ref().unwrap();
        let parsed = parse_server_frame(&Value::Object(wire.clone()).to_string());
        if case.expect["valid"] == false {
            match parsed {
                Err(Error::Protocol { code: None, .. }) => continue,
                other => panic!("{}: expected an invalid frame, got {other:?}", case.name),
            }
        }
        let frame = parsed.unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(Some(kind(&frame)), wire["type"].as_str(), "{}", case.name);
        if let Some(approved) = case.expect.get("approved") {
            let ServerFrame::Decision(decision) = frame else { unreachable!() };
            assert_eq!(Value::Bool(decision.approved), *approved, "{}", case.name);
            assert_eq!(Some(decision.decision.as_str()), wire["decision"].as_str(), "{}", case.name);
        }
    }
}

#[test]
fn every_client_vector_is_accounted_for() {
    let mut reasons = std::collections::BTreeMap::<_, usize>::new();
    for case in CLIENT_CASES.iter() {
        *reasons.entry(case.out_of_reach().unwrap_or("built by the SDK")).or_default() += 1;
    }
    assert_eq!(reasons.values().sum::<usize>(), CLIENT_CASES.len());
    assert!(reasons["built by the SDK"] >= 35, "{reasons:?}");
    // Never sent: the frames of `execute` (not in this SDK), and types no client sends.
    for case in CLIENT_CASES.iter().filter(|c| c.out_of_reach() == Some("a type the SDK never sends")) {
        let kind = case.frame.as_ref().and_then(|f| f.get("type")).and_then(Value::as_str);
        let sent_by_no_client = case.error() == Some("unknown_frame_type");
        assert!(kind.is_some_and(|k| k.starts_with("exec_")) || sent_by_no_client, "{}", case.name);
    }
    let encrypted = |c: &&Case| c.frame.as_ref().is_some_and(|f| f.contains_key("encrypted"));
    assert_eq!(
        CLIENT_CASES.iter().filter(|c| c.out_of_reach() == Some("end-to-end encrypted")).count(),
        CLIENT_CASES.iter().filter(encrypted).count(),
    );
}

#[test]
fn every_client_vector_in_reach_is_built_or_refused_as_the_server_would() {
    let (mut built, mut refused, mut untyped) = (0, 0, Vec::new());
    for case in CLIENT_CASES.iter().filter(|c| c.out_of_reach().is_none()) {
        let frame = case.expanded();
        let result = build(&frame);
        if case.buildable() {
            let Built::Frame(text) = result else { panic!("{}: not built: {result:?}", case.name) };
            assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), known(&frame), "{}", case.name);
            built += 1;
            continue;
        }
        // invalid_frame, command_too_large, payload_too_large: never sent.
        match (result, case.error()) {
            (Built::Refused(Error::InvalidArgument(message)), Some(code)) => {
                if code == "command_too_large" {
                    assert!(message.starts_with("command is 65537 bytes; the server takes at most 65536"), "{message}");
                }
                if code == "payload_too_large" {
                    assert!(message.starts_with("session and context are "), "{message}");
                }
                refused += 1;
            }
            (Built::Untyped(why), Some("invalid_frame")) => {
                assert!(!why.is_empty());
                untyped.push(case.name.as_str());
            }
            (other, code) => panic!("{}: the server says {code:?}, the SDK {other:?}", case.name),
        }
    }
    assert!(built >= 15 && refused >= 8, "{built} built, {refused} refused");
    // What the typed API cannot express (a number for a string, a missing required field,
    // a status that is no SessionStatus) is refused when the caller's code is compiled.
    assert_eq!(
        untyped,
        [
            "submit-missing-command",
            "submit-missing-request-id",
            "submit-command-not-a-string",
            "submit-timeout-not-integer",
            "submit-target-not-a-string",
            "submit-session-not-an-object",
            "submit-session-without-id",
            "cancel-without-id",
            "session-end-missing-session-id",
            "session-end-session-id-not-a-string",
            "session-end-missing-status",
            "session-end-unknown-status",
            "session-end-status-not-a-string",
        ]
    );
}

#[test]
fn stateful_refusals_are_frames_the_sdk_builds() {
    let stateful: Vec<_> = CLIENT_CASES
        .iter()
        .filter(|c| c.out_of_reach().is_none() && c.error().is_some_and(|e| STATEFUL.contains(&e)))
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(stateful, ["submit-request-id-reused-for-other-command", "cancel-unknown"]);
}
