//! A frame that is not exactly what the protocol promises is a protocol error without a
//! code, and never an approval.

use serde_json::{Value, json};

use super::vectors::SERVER_CASES;
use crate::error::Error;
use crate::frames::{ServerFrame, parse_server_frame};

fn approved_by_reviewer() -> Value {
    let case = SERVER_CASES.iter().find(|c| c.name == "decision-approved-by-reviewer").unwrap();
    Value::Object(case.frame.clone().unwrap())
}

fn with(changes: Value) -> String {
    let mut frame = approved_by_reviewer();
    for (key, value) in changes.as_object().unwrap() {
        frame[key] = value.clone();
    }
    frame.to_string()
}

fn invalid(text: &str) -> (String, Option<String>) {
    match parse_server_frame(text) {
        Err(Error::Protocol { code: None, message, request_id }) => (message, request_id),
        other => panic!("accepted {text}: {other:?}"),
    }
}

#[test]
fn the_approving_frame_itself_is_valid() {
    assert!(matches!(parse_server_frame(&with(json!({}))), Ok(ServerFrame::Decision(d)) if d.approved));
}

#[test]
fn fails_closed_on_anything_odd() {
    let mut without_reviewer = approved_by_reviewer();
    without_reviewer.as_object_mut().unwrap().remove("reviewer");
    let cases = [
        ("not JSON", "{".to_owned()),
        ("not an object", "[1]".to_owned()),
        ("a duplicate key", r#"{"type":"decision","approved":false,"approved":true}"#.to_owned()),
        ("a duplicate key deeper down", r#"{"type":"pong","x":{"a":1,"a":2}}"#.to_owned()),
        ("NaN", with(json!({})).replace("4211.5", "NaN")),
        ("approved false but decision approved", with(json!({"approved": false}))),
        ("a boolean risk score", with(json!({"risk_score": true}))),
        ("a fractional risk score", with(json!({"risk_score": 20.5}))),
        ("a risk score out of range", with(json!({"risk_score": 101}))),
        ("a negative latency", with(json!({"latency_ms": -1}))),
        ("anomalies that are not strings", with(json!({"anomalies": [1]}))),
        ("a reviewer that is not a string", with(json!({"reviewer": 7}))),
        ("a null request_id", with(json!({"request_id": null}))),
        ("a null whitelisted", with(json!({"whitelisted": null}))),
        ("a missing reviewer", without_reviewer.to_string()),
        (
            "expires_at without a zone",
            r#"{"type":"accepted","request_id":"r","command_id":"c","status":"pending","expires_at":"2026-11-21T10:01:00","resumed":false}"#.to_owned(),
        ),
        (
            "expires_at that is no timestamp",
            r#"{"type":"accepted","request_id":"r","command_id":"c","status":"pending","expires_at":"soon","resumed":false}"#.to_owned(),
        ),
        ("a hello without protocol", r#"{"type":"hello"}"#.to_owned()),
        ("an inherited type name", r#"{"type":"constructor"}"#.to_owned()),
        ("a type that is not a string", r#"{"type":7}"#.to_owned()),
        ("an error with details that are not an object", r#"{"type":"error","code":"x","details":[]}"#.to_owned()),
    ];
    for (name, text) in cases {
        let (message, _) = invalid(&text);
        assert!(message.starts_with("the server sent"), "{name}: {message}");
    }
}

#[test]
fn an_invalid_frame_names_its_run_when_it_can() {
    let case = SERVER_CASES.iter().find(|c| c.name == "decision-approved-but-decision-denied").unwrap();
    let (_, request_id) = invalid(&Value::Object(case.frame.clone().unwrap()).to_string());
    assert_eq!(request_id.as_deref(), Some("r-8"));
}

#[test]
fn json_nested_too_deeply_is_refused_without_trusting_its_request_id() {
    for (opening, closing) in [("[", "]"), (r#"{"x": "#, "}")] {
        let nested = format!("{}1{}", opening.repeat(5000), closing.repeat(5000));
        let (message, request_id) = invalid(&format!(r#"{{"type": "decision", "request_id": "r-1", "x": {nested}}}"#));
        assert!(message.contains("recursion limit"), "{message}");
        assert_eq!(request_id, None);
    }
}

#[test]
fn unknown_fields_are_ignored() {
    let frame = parse_server_frame(r#"{"type":"pong","a\"b":1,"a":2,"nonce":"n"}"#);
    assert_eq!(frame, Ok(ServerFrame::Pong));
}
