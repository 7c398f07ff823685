//! Dropping a run's future, its deadline and `close` all ask the server to cancel.

use std::time::Duration;

use serde_json::{Value, json};

use crate::client;
use crate::server::{Door, FakeServer, decision};
use expacti::Error;

fn cancel_of<'a>(submit: &'a Value) -> impl Fn(&Value) -> bool + 'a {
    move |frame: &Value| frame["type"] == "cancel" && frame["request_id"] == submit["request_id"]
}

#[tokio::test]
async fn a_dropped_future_cancels_its_command() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let mut run = Box::pin(client.run("sleep 1000"));
    // Polled until it waits on the server, then dropped.
    tokio::select! {
        outcome = &mut run => panic!("decided: {outcome:?}"),
        _ = server.submit_of("sleep 1000") => {}
    }
    drop(run);
    let submit = server.submit_of("sleep 1000").await;
    let cancel = server.frame(cancel_of(&submit)).await;
    assert_eq!(cancel["reason"], "the agent stopped waiting");
}

#[tokio::test]
async fn tokio_time_timeout_cancels_the_command() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let outcome = tokio::time::timeout(Duration::from_millis(300), client.run("terraform destroy")).await;
    assert!(outcome.is_err(), "{outcome:?}");
    let submit = server.submit_of("terraform destroy").await;
    server.frame(cancel_of(&submit)).await;
}

#[tokio::test]
async fn an_aborted_task_cancels_its_command() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let task = tokio::spawn({
        let client = client.clone();
        async move { client.run("make release").await }
    });
    let submit = server.submit_of("make release").await;
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    server.frame(cancel_of(&submit)).await;
    // The client goes on serving other runs.
    let waiting = tokio::spawn(async move { client.run("make test").await });
    let other = server.submit_of("make test").await;
    server.send(decision(&other, "approved", json!({})));
    waiting.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_decided_run_sends_no_cancel() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn({
        let client = client.clone();
        async move { client.run("git push").await }
    });
    let submit = server.submit_of("git push").await;
    server.send(decision(&submit, "denied", json!({})));
    waiting.await.unwrap().unwrap_err();
    // Frames leave in order: a cancel would have come before this session_end.
    client.end_session("s-1", expacti::SessionStatus::Completed).await.unwrap();
    server.frame(|f| f["type"] == "session_end").await;
    assert!(server.frames_of("cancel").is_empty());
}

#[tokio::test]
async fn the_clients_deadline_is_a_timeout_without_decision_and_cancels() {
    // The organisation gives a human 1 s; the client waits that plus its 5 s grace.
    let server = FakeServer::start(json!({"timeout_seconds": 1})).await;
    let client = client(&server).await;
    let error = client.run("reboot").await.unwrap_err();
    assert!(matches!(&error, Error::Timeout { decision: None, command } if command == "reboot"), "{error:?}");
    let submit = server.submit_of("reboot").await;
    let cancel = server.frame(cancel_of(&submit)).await;
    assert_eq!(cancel["reason"], "agent deadline passed");
}

#[tokio::test]
async fn close_cancels_fails_the_waiting_runs_and_refuses_new_ones() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn({
        let client = client.clone();
        async move { client.run("helm upgrade").await }
    });
    let submit = server.submit_of("helm upgrade").await;
    client.close().await;
    assert_eq!(waiting.await.unwrap().unwrap_err(), Error::Connection("client closed".into()));
    let cancel = server.frame(cancel_of(&submit)).await;
    assert_eq!(cancel["reason"], "the agent closed its client");
    server.until(|| (server.closed_by_client() == 1).then_some(())).await;
    assert!(client.is_closed());
    assert_eq!(client.run("ls").await.unwrap_err(), Error::Connection("client closed".into()));
    client.close().await;
}

#[tokio::test]
async fn dropping_every_clone_closes_the_connection() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let clone = client.clone();
    drop(client);
    drop(clone);
    server.until(|| (server.closed_by_client() == 1).then_some(())).await;
}

#[tokio::test]
async fn a_run_dropped_while_disconnected_is_cancelled_right_after_reconnecting() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let mut run = Box::pin(client.run("sleep 77"));
    tokio::select! {
        outcome = &mut run => panic!("decided: {outcome:?}"),
        _ = server.submit_of("sleep 77") => {}
    }
    server.set_door(Door::Shut);
    server.cut();
    server.until(|| (server.turned_away() >= 1).then_some(())).await;
    drop(run);
    server.set_door(Door::Open);
    let submit = server.submit_of("sleep 77").await;
    let cancel = server.frame(cancel_of(&submit)).await;
    assert_eq!(cancel["reason"], "the agent stopped waiting");
    assert_eq!(server.connections(), 2);
    // Cancelled, not resumed.
    assert_eq!(server.frames_of("submit").len(), 1);
}
