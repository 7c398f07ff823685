//! A lost connection is resumed with the same `request_id`; a refused token never is.

use std::time::Duration;

use serde_json::json;

use crate::client;
use crate::server::{Door, FakeServer, PATIENCE, decision};
use expacti::{Client, Error};

#[tokio::test]
async fn a_cut_connection_is_resumed_with_the_same_request_id() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn(async move { client.run("terraform apply").await });
    let first = server.submit_of("terraform apply").await;
    server.cut();
    let again = server.until(|| (server.frames_of("submit").len() == 2).then(|| server.frames_of("submit"))).await;
    assert_eq!(again[0], again[1]);
    assert_eq!(server.connections(), 2);
    server.send(decision(&first, "approved", json!({"notes": "after the cut"})));
    let approved = waiting.await.unwrap().unwrap();
    assert_eq!(approved.notes.as_deref(), Some("after the cut"));
}

#[tokio::test]
async fn it_waits_for_the_server_to_come_back() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn(async move { client.run("make release").await });
    let submit = server.submit_of("make release").await;
    server.set_door(Door::Shut);
    server.cut();
    // Turned away twice: the client retries with backoff.
    server.until(|| (server.turned_away() >= 2).then_some(())).await;
    server.set_door(Door::Open);
    server.until(|| (server.frames_of("submit").len() == 2).then_some(())).await;
    server.send(decision(&submit, "approved", json!({})));
    waiting.await.unwrap().unwrap();
}

#[tokio::test]
async fn it_gives_up_after_the_reconnect_timeout() {
    let server = FakeServer::usual().await;
    let client = Client::builder(server.url(), "agent-token")
        .reconnect_timeout(Duration::from_millis(500))
        .max_backoff(Duration::from_millis(50))
        .connect()
        .await
        .unwrap();
    let waiting = tokio::spawn(async move { client.run("make release").await });
    server.submit_of("make release").await;
    server.set_door(Door::Shut);
    server.cut();
    let error = waiting.await.unwrap().unwrap_err();
    let Error::Connection(message) = &error else { panic!("{error:?}") };
    assert!(message.starts_with(&format!("could not connect to {}", server.url())), "{message}");
    assert!(error.is_connection());
}

#[tokio::test]
async fn an_unreachable_server_is_a_connection_error() {
    let server = FakeServer::usual().await;
    server.set_door(Door::Shut);
    let error = Client::builder(server.url(), "agent-token")
        .reconnect_timeout(Duration::from_millis(300))
        .connect()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Connection(_)), "{error:?}");
}

#[tokio::test]
async fn a_refused_token_is_an_authentication_error_at_once() {
    for status in [401, 403] {
        let server = FakeServer::usual().await;
        server.set_door(Door::Refuse(status));
        let error = Client::connect(server.url(), "wrong-token").await.unwrap_err();
        let Error::Authentication { status: got, message } = &error else { panic!("{error:?}") };
        assert_eq!(*got, status);
        assert_eq!(message, &format!("the server refused the token (HTTP {status}: unknown token)"));
        assert!(error.is_connection());
        // Never retried.
        assert_eq!(server.authorizations(), ["Bearer wrong-token"]);
    }
}

#[tokio::test]
async fn a_revoked_token_fails_the_wait_without_reconnecting() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn(async move { client.run("rotate keys").await });
    server.submit_of("rotate keys").await;
    server.close_with(1008);
    let error = waiting.await.unwrap().unwrap_err();
    assert!(matches!(error, Error::Authentication { status: 401, .. }), "{error:?}");
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn unavailable_is_retried_with_the_same_request_id() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let waiting = tokio::spawn(async move { client.run("deploy web").await });
    let submit = server.submit_of("deploy web").await;
    server.send(json!({"type": "error", "code": "unavailable", "message": "database down",
        "request_id": submit["request_id"], "details": {}}));
    server.until(|| (server.frames_of("submit").len() == 2).then_some(())).await;
    assert_eq!(server.frames_of("submit")[1], submit);
    server.send(decision(&submit, "approved", json!({})));
    waiting.await.unwrap().unwrap();
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn wss_speaks_tls_and_never_falls_back_to_plain_text() {
    // The stand-in speaks plain WebSocket: a TLS client cannot get through to it.
    let server = FakeServer::usual().await;
    let url = server.url().replace("ws://", "wss://");
    let error = Client::builder(url, "agent-token").reconnect_timeout(Duration::from_millis(300)).connect().await;
    assert!(matches!(error, Err(Error::Connection(_))), "{error:?}");
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn durations_too_long_for_the_clock_are_just_very_long() {
    let server = FakeServer::usual().await;
    let client = Client::builder(server.url(), "agent-token")
        .connect_timeout(Duration::MAX)
        .reconnect_timeout(Duration::MAX)
        .max_backoff(Duration::MAX)
        .connect()
        .await
        .unwrap();
    let waiting = tokio::spawn(async move { client.run("make install").await });
    let submit = server.submit_of("make install").await;
    server.cut();
    server.until(|| (server.frames_of("submit").len() == 2).then_some(())).await;
    server.send(decision(&submit, "approved", json!({})));
    waiting.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_resubmit_too_large_for_the_new_connection_fails_only_its_run() {
    let server = FakeServer::usual().await;
    let client = client(&server).await;
    let big = format!("echo {}", "x".repeat(2000));
    let large = tokio::spawn({
        let client = client.clone();
        let big = big.clone();
        async move { client.run(&big).await }
    });
    let small = tokio::spawn(async move { client.run("echo small").await });
    let large_submit = server.submit_of(&big).await;
    let small_submit = server.submit_of("echo small").await;
    // The next connection takes smaller frames: sending the large one would close it (1009).
    server.set_limits(json!({"max_frame_bytes": 1024, "timeout_seconds": 60}));
    server.cut();
    let error = tokio::time::timeout(PATIENCE, large).await.expect("the large run waited on").unwrap().unwrap_err();
    let Error::InvalidArgument(message) = &error else { panic!("{error:?}") };
    assert!(message.ends_with("bytes; the server takes at most 1024"), "{message}");
    // Cancelled, not sent again; the small run is resumed.
    let cancel = server.frame(|f| f["type"] == "cancel" && f["request_id"] == large_submit["request_id"]).await;
    assert_eq!(cancel["reason"], "the submit is larger than the server now takes");
    assert_eq!(server.frames_of("submit").iter().filter(|f| f["command"] == big.as_str()).count(), 1);
    server.until(|| (server.frames_of("submit").len() == 3).then_some(())).await;
    server.send(decision(&small_submit, "approved", json!({})));
    small.await.unwrap().unwrap();
}
