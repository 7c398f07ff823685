//! `run` returns a Decision only for an approval; everything else is its typed error.

use serde_json::json;

use crate::client;
use crate::server::{FakeServer, command_id, decision};
use expacti::{DecisionState, Error, RunOptions, Session, SessionStatus};

#[tokio::test]
async fn an_approval_is_the_decision() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn({
        let client = client.clone();
        async move { client.run("terraform apply").await }
    });
    let submit = server.submit_of("terraform apply").await;
    server.send(decision(&submit, "approved", json!({"notes": "ok"})));
    let approved = waiting.await.unwrap().unwrap();
    assert!(approved.approved && !approved.edited && !approved.whitelisted);
    assert_eq!(approved.decision, DecisionState::Approved);
    assert_eq!(approved.command_id, command_id(&submit["request_id"]));
    assert_eq!(approved.request_id, submit["request_id"].as_str().unwrap());
    assert_eq!((approved.command.as_str(), approved.original_command.as_str()), ("terraform apply", "terraform apply"));
    assert_eq!((approved.reviewer.as_deref(), approved.notes.as_deref()), (Some("alice"), Some("ok")));
    assert_eq!(server.authorizations(), ["Bearer agent-token"]);
}

#[tokio::test]
async fn the_submit_carries_the_options() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let session = Session {
        id: "s-42".into(),
        goal: Some("roll out v2".into()),
        steps: Some(vec!["plan".into(), "apply".into()]),
        current_step: Some(1),
    };
    let options = RunOptions::new()
        .target("prod-eu")
        .timeout(std::time::Duration::from_secs(120))
        .context(json!({"ticket": "OPS-7"}))
        .session(session);
    let waiting = tokio::spawn(async move { client.run_with("terraform apply", options).await });
    let submit = server.submit_of("terraform apply").await;
    let request_id = submit["request_id"].as_str().unwrap();
    assert!(request_id.len() == 32 && request_id.chars().all(|c| c.is_ascii_hexdigit()), "{request_id}");
    assert_eq!(
        submit,
        json!({"type": "submit", "request_id": request_id, "command": "terraform apply", "target": "prod-eu",
            "timeout_seconds": 120, "context": {"ticket": "OPS-7"},
            "session": {"id": "s-42", "goal": "roll out v2", "steps": ["plan", "apply"], "current_step": 1}})
    );
    server.send(decision(&submit, "approved", json!({})));
    waiting.await.unwrap().unwrap();
}

#[tokio::test]
async fn an_edit_is_what_to_run() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn(async move { client.run("rm -rf /srv/app").await });
    let submit = server.submit_of("rm -rf /srv/app").await;
    server.send(decision(&submit, "approved", json!({"command": "rm -rf /srv/app/cache", "edited": true})));
    let approved = waiting.await.unwrap().unwrap();
    assert!(approved.edited);
    assert_eq!(approved.command, "rm -rf /srv/app/cache");
    assert_eq!(approved.original_command, "rm -rf /srv/app");
}

#[tokio::test]
async fn a_denial_is_an_error_with_the_decision() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn(async move { client.run("drop database").await });
    let submit = server.submit_of("drop database").await;
    server.send(decision(&submit, "denied", json!({"notes": "not on a Friday"})));
    let error = waiting.await.unwrap().unwrap_err();
    let Error::Denied { decision } = &error else { panic!("{error:?}") };
    assert!(!decision.approved);
    assert_eq!(decision.notes.as_deref(), Some("not on a Friday"));
    assert_eq!(error.command(), Some("drop database"));
    assert_eq!(error.to_string(), format!("command denied by alice: not on a Friday ({})", decision.command_id));
}

#[tokio::test]
async fn a_cancellation_is_a_denial() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn(async move { client.run("make deploy").await });
    let submit = server.submit_of("make deploy").await;
    server.send(decision(&submit, "cancelled", json!({"notes": "agent disconnected"})));
    let error = waiting.await.unwrap().unwrap_err();
    assert!(matches!(&error, Error::Denied { decision } if decision.decision == DecisionState::Cancelled), "{error:?}");
}

#[tokio::test]
async fn the_servers_timeout_is_a_timeout_with_the_decision() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn(async move { client.run("kubectl drain node-1").await });
    let submit = server.submit_of("kubectl drain node-1").await;
    server.send(decision(&submit, "timed_out", json!({"notes": "no decision within 60 s"})));
    let error = waiting.await.unwrap().unwrap_err();
    let Error::Timeout { command, decision: Some(decision) } = &error else { panic!("{error:?}") };
    assert_eq!(command, "kubectl drain node-1");
    assert_eq!(decision.decision, DecisionState::TimedOut);
    // Decided: nothing to cancel.
    assert!(server.frames_of("cancel").is_empty());
}

#[tokio::test]
async fn a_whitelisted_command_is_approved_without_accepted() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn(async move { client.run("uptime").await });
    let submit = server.submit_of("uptime").await;
    server.send(decision(
        &submit,
        "approved",
        json!({"whitelisted": true, "rule_id": "rule_1", "reviewer": null, "approvers": []}),
    ));
    let approved = waiting.await.unwrap().unwrap();
    assert!(approved.whitelisted);
    assert_eq!((approved.reviewer, approved.rule_id.as_deref()), (None, Some("rule_1")));
}

#[tokio::test]
async fn concurrent_runs_share_one_connection_and_get_their_own_decisions() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let commands: Vec<String> = (0..8).map(|i| format!("echo {i}")).collect();
    let runs: Vec<_> = commands
        .iter()
        .map(|command| {
            let (client, command) = (client.clone(), command.clone());
            tokio::spawn(async move { client.run(&command).await })
        })
        .collect();
    for command in commands.iter().rev() {
        let submit = server.submit_of(command).await;
        let state = if command.ends_with(['0', '2', '4', '6']) { "approved" } else { "denied" };
        server.send(decision(&submit, state, json!({})));
    }
    for (command, run) in commands.iter().zip(runs) {
        match run.await.unwrap() {
            Ok(approved) => assert_eq!(&approved.command, command),
            Err(error) => assert_eq!(error.command(), Some(command.as_str())),
        }
    }
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn end_session_sends_session_end() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    client.end_session("s-42", SessionStatus::Failed).await.unwrap();
    let frame = server.frame(|f| f["type"] == "session_end").await;
    assert_eq!(frame, json!({"type": "session_end", "session_id": "s-42", "status": "failed"}));
    let error = client.end_session("", SessionStatus::Completed).await.unwrap_err();
    assert!(matches!(error, Error::InvalidArgument(_)), "{error:?}");
}

#[tokio::test]
async fn the_client_and_its_runs_can_move_between_threads() {
    fn shareable<T: Clone + Send + Sync + 'static>(_: &T) {}
    fn sendable<T: Send>(_: &T) {}
    fn error<E: std::error::Error + Send + Sync + 'static>() {}
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    shareable(&client);
    sendable(&client.run("ls"));
    error::<Error>();
}
