//! Any doubt is an error, never an approval; a run that may still be pending is cancelled.

use serde_json::json;

use crate::client;
use crate::server::{FakeServer, PATIENCE, decision};
use expacti::Error;

#[tokio::test]
async fn a_contradictory_decision_is_a_protocol_error_and_the_command_is_cancelled() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn(async move { client.run("rm -rf /").await });
    let submit = server.submit_of("rm -rf /").await;
    server.send(decision(&submit, "denied", json!({"approved": true})));
    let error = waiting.await.unwrap().unwrap_err();
    let Error::Protocol { code: None, request_id, message } = &error else { panic!("{error:?}") };
    assert_eq!(request_id.as_ref(), submit["request_id"].as_str().map(str::to_owned).as_ref());
    assert!(message.contains("approved is true but decision is \"denied\""), "{message}");
    let cancel = server.frame(|f| f["type"] == "cancel").await;
    assert_eq!(
        (&cancel["request_id"], &cancel["reason"]),
        (&submit["request_id"], &json!("invalid frame from the server"))
    );
}

#[tokio::test]
async fn an_edit_without_a_command_is_never_run() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn(async move { client.run("ls").await });
    let submit = server.submit_of("ls").await;
    server.send(decision(&submit, "approved", json!({"edited": true, "command": "  "})));
    let error = waiting.await.unwrap().unwrap_err();
    assert!(matches!(error, Error::Protocol { code: None, .. }), "{error:?}");
}

#[tokio::test]
async fn a_frame_nobody_can_trust_fails_every_run_and_the_connection() {
    for garbage in [None, Some("{\"type\": \"decision\", \"approved\": true, \"approved\": false}"), Some("[1]")] {
        let server = FakeServer::usual().await;
        let client = client(&server).await;
        let runs: Vec<_> = ["echo a", "echo b"]
            .into_iter()
            .map(|command| {
                let client = client.clone();
                tokio::spawn(async move { client.run(command).await })
            })
            .collect();
        server.submit_of("echo a").await;
        server.submit_of("echo b").await;
        match garbage {
            None => server.send_binary(),
            Some(text) => server.send_text(text),
        }
        for run in runs {
            let error = run.await.unwrap().unwrap_err();
            assert!(matches!(error, Error::Protocol { code: None, request_id: Some(_), .. }), "{error:?}");
        }
        // A fresh connection serves the next run.
        let waiting = tokio::spawn(async move { client.run("echo c").await });
        let submit = server.submit_of("echo c").await;
        server.send(decision(&submit, "approved", json!({})));
        waiting.await.unwrap().unwrap();
        assert_eq!(server.connections(), 2);
    }
}

#[tokio::test]
async fn an_error_frame_is_a_protocol_error_with_its_code() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn(async move { client.run("ls -la").await });
    let submit = server.submit_of("ls -la").await;
    server.send(json!({"type": "error", "code": "too_many_pending", "message": "wait for the others",
        "request_id": submit["request_id"], "details": {}}));
    let error = waiting.await.unwrap().unwrap_err();
    assert_eq!(error.code(), Some("too_many_pending"));
    assert_eq!(error.to_string(), "the server refused the command: wait for the others (too_many_pending)");
}

#[tokio::test]
async fn a_decision_for_another_command_id_is_a_protocol_error() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn(async move { client.run("make it so").await });
    let submit = server.submit_of("make it so").await;
    server.send(decision(&submit, "approved", json!({"command_id": "cmd_other"})));
    let error = waiting.await.unwrap().unwrap_err();
    let Error::Protocol { code: None, message, .. } = &error else { panic!("{error:?}") };
    assert!(message.contains("switched command_id"), "{message}");
}

#[tokio::test]
async fn a_frame_larger_than_the_client_takes_fails_the_runs() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn(async move { client.run("cat big").await });
    let submit = server.submit_of("cat big").await;
    server.send(decision(&submit, "approved", json!({"notes": "x".repeat(1024 * 1024)})));
    let error = waiting.await.unwrap().unwrap_err();
    let Error::Protocol { code: None, message, .. } = &error else { panic!("{error:?}") };
    assert!(message.contains("too large (close code 1009)"), "{message}");
}

#[tokio::test]
async fn frames_for_other_runs_are_not_ours() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn(async move { client.run("whoami").await });
    let submit = server.submit_of("whoami").await;
    let mut stranger = submit.clone();
    stranger["request_id"] = json!("0123456789abcdef0123456789abcdef");
    server.send(decision(&stranger, "approved", json!({})));
    server.send(decision(&submit, "denied", json!({})));
    assert!(matches!(waiting.await.unwrap(), Err(Error::Denied { .. })));
}

#[tokio::test]
async fn an_approval_after_an_invalid_decision_is_never_taken() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn(async move { client.run("drop database prod").await });
    let submit = server.submit_of("drop database prod").await;
    server.send(decision(&submit, "approved", json!({"approved": false})));
    server.send(decision(&submit, "approved", json!({})));
    // At once, not at the run's deadline (the 60 s policy plus the grace).
    let outcome = tokio::time::timeout(PATIENCE, waiting).await.expect("the run waited for its deadline").unwrap();
    assert!(matches!(outcome, Err(Error::Protocol { code: None, .. })), "{outcome:?}");
}

#[tokio::test]
async fn a_frame_nobody_can_trust_cancels_the_runs_before_the_connection_closes() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn(async move { client.run("chmod -R 777 /").await });
    let submit = server.submit_of("chmod -R 777 /").await;
    server.send_binary();
    let error = waiting.await.unwrap().unwrap_err();
    assert!(matches!(error, Error::Protocol { code: None, .. }), "{error:?}");
    let cancel = server.frame(|f| f["type"] == "cancel" && f["request_id"] == submit["request_id"]).await;
    assert_eq!(cancel["reason"], "invalid frame from the server");
    // On the connection the frame came on: no reconnect was needed for it.
    assert_eq!(server.connections(), 1);
}
