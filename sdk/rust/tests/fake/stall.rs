//! A server that stops reading: the client's writes block. They are bounded, so the
//! client reconnects, and `close` returns.

use std::future::{Future, poll_fn};
use std::task::Poll;
use std::time::Duration;

use serde_json::json;

use crate::server::{Door, FakeServer, PATIENCE, decision};
use expacti::{Client, Error};

/// Enough large submits to fill the socket buffers of a server that does not read, each
/// queued for the connection task before this returns.
async fn flood(client: &Client) {
    let big = format!("echo {}", "x".repeat(60_000));
    for i in 0..200 {
        let client = client.clone();
        let command = format!("{big} {i}");
        let mut run = Box::pin(async move { client.run(&command).await });
        // The first poll hands the submit to the task.
        poll_fn(|context| {
            let _ = run.as_mut().poll(context);
            Poll::Ready(())
        })
        .await;
        tokio::spawn(run);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_to_a_server_that_stopped_reading_loses_the_connection_and_resumes() {
    let server = FakeServer::usual().await;
    server.set_door(Door::Deaf);
    let client = Client::builder(server.url(), "agent-token")
        .connect_timeout(Duration::from_millis(500))
        .max_backoff(Duration::from_millis(50))
        .connect()
        .await
        .unwrap();
    // Only the first connection is deaf.
    server.set_door(Door::Open);
    flood(&client).await;
    let waiting = tokio::spawn({
        let client = client.clone();
        async move { client.run("ls").await }
    });
    let submit = tokio::time::timeout(PATIENCE, server.submit_of("ls")).await.expect("the client stayed stuck");
    assert!(server.connections() >= 2);
    server.send(decision(&submit, "approved", json!({})));
    waiting.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_returns_while_a_write_is_blocked() {
    let server = FakeServer::usual().await;
    server.set_door(Door::Deaf);
    let client = Client::connect(server.url(), "agent-token").await.unwrap();
    flood(&client).await;
    let waiting = tokio::spawn({
        let client = client.clone();
        async move { client.run("ls").await }
    });
    tokio::time::timeout(PATIENCE, client.close()).await.expect("close() hung");
    assert!(client.is_closed());
    assert_eq!(client.run("pwd").await.unwrap_err(), Error::Connection("client closed".into()));
    let outcome = tokio::time::timeout(PATIENCE, waiting).await.expect("the run outlived close()").unwrap();
    assert!(outcome.is_err(), "{outcome:?}");
}
