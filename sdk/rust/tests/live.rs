//! The SDK against the real server, under sdk/testing/live_server.py (`make test`), which
//! runs them with `--features live-tests` (Cargo.toml builds them only then). Outside the
//! harness they fail: nothing is skipped.

#[path = "live/control.rs"]
mod control;

use std::time::Duration;

use expacti::{Client, DecisionState, Error};
use serde_json::json;
use tokio::sync::RwLock;

use control::{Control, live, unique};

/// The reconnect test cuts every connection through the proxy; the others hold this
/// shared so that no cut lands in the middle of them.
static CUTS: RwLock<()> = RwLock::const_new(());

async fn client() -> Client {
    Client::connect(live("URL"), live("AGENT_TOKEN")).await.unwrap()
}

#[tokio::test]
async fn an_approval_returns_the_decision() {
    let _shared = CUTS.read().await;
    let (client, control) = (client().await, Control::from_env());
    let text = unique("approve");
    let waiting = tokio::spawn({
        let (client, text) = (client.clone(), text.clone());
        async move { client.run(&text).await }
    });
    let decided = control.decide(&text, "approve", json!({"note": "go ahead"})).await;
    let decision = waiting.await.unwrap().unwrap();
    assert!(decision.approved && !decision.whitelisted && !decision.edited);
    assert_eq!(decision.decision, DecisionState::Approved);
    assert_eq!(decision.command_id, decided["id"].as_str().unwrap());
    assert_eq!((decision.command.as_str(), decision.original_command.as_str()), (text.as_str(), text.as_str()));
    assert!(decision.reviewer.is_some());
    assert_eq!(decision.notes.as_deref(), Some("go ahead"));
    client.close().await;
}

#[tokio::test]
async fn an_edited_approval_is_the_command_to_run() {
    let _shared = CUTS.read().await;
    let (client, control) = (client().await, Control::from_env());
    let text = unique("edit");
    let edit = format!("{text} --dry-run");
    let waiting = tokio::spawn({
        let (client, text) = (client.clone(), text.clone());
        async move { client.run(&text).await }
    });
    control.decide(&text, "approve", json!({"edit": edit})).await;
    let decision = waiting.await.unwrap().unwrap();
    assert!(decision.approved && decision.edited);
    assert_eq!(decision.command, edit);
    assert_eq!(decision.original_command, text);
    client.close().await;
}

#[tokio::test]
async fn a_denial_is_the_denied_error_with_the_note() {
    let _shared = CUTS.read().await;
    let (client, control) = (client().await, Control::from_env());
    let text = unique("deny");
    let waiting = tokio::spawn({
        let (client, text) = (client.clone(), text.clone());
        async move { client.run(&text).await }
    });
    let decided = control.decide(&text, "deny", json!({"note": "not today"})).await;
    let error = waiting.await.unwrap().unwrap_err();
    let Error::Denied { decision } = &error else { panic!("{error:?}") };
    assert!(!decision.approved);
    assert_eq!(decision.decision, DecisionState::Denied);
    assert_eq!(decision.command_id, decided["id"].as_str().unwrap());
    assert_eq!(decision.notes.as_deref(), Some("not today"));
    assert!(decision.reviewer.is_some());
    assert_eq!(error.command(), Some(text.as_str()));
    client.close().await;
}

#[tokio::test]
async fn tokio_time_timeout_cancels_the_command_on_the_server() {
    let _shared = CUTS.read().await;
    let (client, control) = (client().await, Control::from_env());
    let text = unique("timeout");
    // The run is polled at least once, so its submit is queued before the cancel that
    // dropping it queues: the server gets both, in that order, however short the limit.
    let outcome = tokio::time::timeout(Duration::from_millis(200), client.run(&text)).await;
    assert!(outcome.is_err(), "{outcome:?}");
    let (command, count) = control.command(&text, Some("cancelled")).await;
    assert_eq!((command["status"].as_str(), count), (Some("cancelled"), 1));
    client.close().await;
}

#[tokio::test]
async fn an_aborted_run_cancels_the_command_on_the_server() {
    let _shared = CUTS.read().await;
    let (client, control) = (client().await, Control::from_env());
    let text = unique("abort");
    let task = tokio::spawn({
        let (client, text) = (client.clone(), text.clone());
        async move { client.run(&text).await }
    });
    control.command(&text, Some("pending")).await;
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    control.command(&text, Some("cancelled")).await;
    client.close().await;
}

#[tokio::test]
async fn a_whitelisted_command_passes_at_once() {
    let _shared = CUTS.read().await;
    let (client, control) = (client().await, Control::from_env());
    let text = unique("whitelisted");
    control.whitelist(&text).await;
    let decision = client.run(&text).await.unwrap();
    assert!(decision.approved && decision.whitelisted);
    assert_eq!(decision.reviewer, None);
    assert!(decision.rule_id.is_some());
    client.close().await;
}

#[tokio::test]
async fn a_decision_made_while_the_connection_was_cut_is_resumed() {
    let _exclusive = CUTS.write().await;
    let (client, control) = (client().await, Control::from_env());
    let text = unique("resume");
    let waiting = tokio::spawn({
        let (client, text) = (client.clone(), text.clone());
        async move { client.run(&text).await }
    });
    let (pending, _) = control.command(&text, Some("pending")).await;
    control.cut(1.5).await;
    control.decide(&text, "approve", json!({"note": "decided while away"})).await;
    let decision = waiting.await.unwrap().unwrap();
    assert_eq!(decision.command_id, pending["id"].as_str().unwrap());
    assert_eq!(decision.notes.as_deref(), Some("decided while away"));
    let (_, count) = control.command(&text, None).await;
    assert_eq!(count, 1, "resumed, not submitted again");
    client.close().await;
}

#[tokio::test]
async fn concurrent_runs_of_one_client_get_their_own_decisions() {
    let _shared = CUTS.read().await;
    let (client, control) = (client().await, Control::from_env());
    let (first, second) = (unique("first"), unique("second"));
    let runs: Vec<_> = [first.clone(), second.clone()]
        .into_iter()
        .map(|text| {
            let client = client.clone();
            tokio::spawn(async move { client.run(&text).await })
        })
        .collect();
    control.decide(&second, "deny", json!({})).await;
    control.decide(&first, "approve", json!({})).await;
    let mut outcomes = Vec::new();
    for run in runs {
        outcomes.push(run.await.unwrap());
    }
    assert_eq!(outcomes[0].as_ref().unwrap().command, first);
    assert_eq!(outcomes[1].as_ref().unwrap_err().command(), Some(second.as_str()));
    client.close().await;
}

#[tokio::test]
async fn a_wrong_token_is_an_authentication_error() {
    let _shared = CUTS.read().await;
    let error = Client::connect(live("URL"), "not-a-real-token").await.unwrap_err();
    assert!(matches!(error, Error::Authentication { status: 401, .. }), "{error:?}");
}
