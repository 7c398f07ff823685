//! Decision frames reach the public `Decision` unchanged; edits replace the command.

use serde_json::Value;

use super::vectors::SERVER_CASES;
use crate::decision::{Decision, DecisionState};
use crate::error::Error;
use crate::frames::{DecisionFrame, ServerFrame, parse_server_frame};

fn wire(name: &str) -> Value {
    let case = SERVER_CASES.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no vector {name}"));
    Value::Object(case.frame.clone().unwrap())
}

fn decision_frame(name: &str) -> DecisionFrame {
    match parse_server_frame(&wire(name).to_string()).unwrap() {
        ServerFrame::Decision(frame) => *frame,
        other => panic!("{name} is {other:?}"),
    }
}

#[test]
fn a_decision_keeps_every_field() {
    let wire = wire("decision-denied");
    let decision = decision_frame("decision-denied").into_decision("rm -rf /tmp/x").unwrap();
    assert_eq!(
        decision,
        Decision {
            approved: false,
            decision: DecisionState::Denied,
            command_id: wire["command_id"].as_str().unwrap().to_owned(),
            command: "rm -rf /tmp/x".to_owned(),
            edited: false,
            original_command: "rm -rf /tmp/x".to_owned(),
            reviewer: Some("bob".to_owned()),
            notes: Some("not on a Friday".to_owned()),
            whitelisted: false,
            rule_id: None,
            risk_score: 70,
            anomalies: vec!["destructive".to_owned()],
            approvers: vec![],
            latency_ms: 900.0,
            request_id: "r-3".to_owned(),
        }
    );
}

#[test]
fn an_edit_is_the_command_to_run_and_keeps_the_original() {
    let decision = decision_frame("decision-edited").into_decision("terraform apply").unwrap();
    assert_eq!(decision.command, "terraform apply -target=module.web");
    assert_eq!(decision.original_command, "terraform apply");
    assert!(decision.edited && decision.approved);
    assert_eq!(decision.approvers, ["alice"]);
}

#[test]
fn without_an_edit_the_agents_own_text_is_kept() {
    // The server's copy may be a label (an encrypted command); only an edit replaces it.
    let decision = decision_frame("decision-multi-party").into_decision("psql -c 'select 1'").unwrap();
    assert_eq!(decision.command, "psql -c 'select 1'");
    assert_eq!(decision.approvers, ["alice", "bob"]);
}

#[test]
fn whitelisted_decisions_have_no_reviewer() {
    let decision = decision_frame("decision-whitelisted").into_decision("uptime").unwrap();
    assert!(decision.whitelisted && decision.approved);
    assert_eq!((decision.reviewer, decision.rule_id), (None, Some("rule_1".to_owned())));
}

#[test]
fn an_edit_without_its_text_is_never_a_decision() {
    let mut frame = decision_frame("decision-edited");
    frame.command = None;
    match frame.into_decision("terraform apply") {
        Err(Error::Protocol { code: None, message, request_id }) => {
            assert!(message.contains("without the edited command"), "{message}");
            assert_eq!(request_id.as_deref(), Some("r-14"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn progress_and_accepted_carry_their_server_timestamps() {
    let ServerFrame::Progress(progress) = parse_server_frame(&wire("progress-escalated").to_string()).unwrap() else {
        panic!("not progress")
    };
    assert_eq!((progress.request_id.as_str(), progress.command_id.as_str()), ("r-26", "cmd_26"));
    assert!(progress.escalated);
    assert_eq!(progress.expires_at, 1_795_255_560.0);
    let ServerFrame::Accepted(accepted) = parse_server_frame(&wire("accepted").to_string()).unwrap() else {
        panic!("not accepted")
    };
    assert_eq!(accepted.expires_at, 1_795_255_260.0);
}

#[test]
fn hello_sets_the_limits() {
    let ServerFrame::Hello(hello) = parse_server_frame(&wire("hello").to_string()).unwrap() else {
        panic!("not hello")
    };
    assert_eq!(hello.limits.max_command_bytes, 65_536);
    assert_eq!(hello.limits.max_metadata_bytes, 16_384);
    assert_eq!(hello.limits.timeout_seconds, Some(60));
    let odd = r#"{"type":"hello","protocol":"v1","limits":{"max_command_bytes":"big","timeout_seconds":601}}"#;
    let ServerFrame::Hello(hello) = parse_server_frame(odd).unwrap() else { panic!("not hello") };
    assert_eq!(hello.limits, crate::frames::Limits::default());
}

#[test]
fn an_error_frame_becomes_the_refusal_with_its_code() {
    let ServerFrame::Error(error) = parse_server_frame(&wire("error").to_string()).unwrap() else {
        panic!("not an error")
    };
    let refused = error.refused();
    assert_eq!(refused.code(), Some("invalid_frame"));
    assert_eq!(refused.to_string(), "the server refused the command: command: required (invalid_frame)");
}
