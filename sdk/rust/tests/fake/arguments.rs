//! Arguments the server would refuse are refused before anything is sent.

use std::time::Duration;

use serde_json::json;

use crate::client;
use crate::server::FakeServer;
use expacti::{Client, Error, RunOptions, Session};

fn message(error: Error) -> String {
    match error {
        Error::InvalidArgument(message) => message,
        other => panic!("not an argument error: {other:?}"),
    }
}

#[tokio::test]
async fn commands_and_options_are_checked_against_the_servers_limits() {
    // The hello's limits, not the protocol's defaults, are the ones that count.
    let server = FakeServer::start(json!({"max_command_bytes": 16, "max_metadata_bytes": 64})).await;
    let client = client(&server).await;
    let too_big = client.run("echo 0123456789abcdef").await.unwrap_err();
    assert_eq!(message(too_big), "command is 21 bytes; the server takes at most 16");
    let context = RunOptions::new().context(json!({"note": "x".repeat(64)}));
    let metadata = client.run_with("ls", context).await.unwrap_err();
    assert_eq!(message(metadata), "session and context are 82 bytes of JSON; the server takes at most 64");
    let cases = [
        ("   ", RunOptions::new()),
        ("ls\0rm", RunOptions::new()),
        ("ls", RunOptions::new().timeout(Duration::ZERO)),
        ("ls", RunOptions::new().timeout(Duration::from_secs(601))),
        ("ls", RunOptions::new().timeout(Duration::from_millis(1500))),
        ("ls", RunOptions::new().target("t".repeat(256))),
        ("ls", RunOptions::new().context(json!([1]))),
        ("ls", RunOptions::new().session(Session::new(""))),
    ];
    for (command, options) in cases {
        let error = client.run_with(command, options.clone()).await.unwrap_err();
        assert!(matches!(error, Error::InvalidArgument(_)), "{command:?} {options:?}: {error:?}");
    }
    assert!(server.frames().is_empty(), "{:?}", server.frames());
}

#[tokio::test]
async fn a_bad_url_token_or_duration_is_refused_before_connecting() {
    let cases = [
        Client::builder("http://localhost:3001/shell/ws", "token"),
        Client::builder("ws://localhost:3001/", "token"),
        Client::builder("ws://localhost:3001/shell/ws", ""),
        Client::builder("ws://localhost:3001/shell/ws", "two words"),
        Client::builder("ws://localhost:3001/shell/ws", "token").reconnect_timeout(Duration::ZERO),
    ];
    for builder in cases {
        let shown = format!("{builder:?}");
        let error = builder.connect().await.unwrap_err();
        assert!(matches!(error, Error::InvalidArgument(_)), "{shown}: {error:?}");
    }
}

#[test]
fn debug_output_never_shows_the_token() {
    let builder = Client::builder("ws://localhost:3001/shell/ws", "secret-token-123");
    assert!(!format!("{builder:?}").contains("secret-token-123"));
}

#[tokio::test]
async fn a_url_with_a_query_or_fragment_is_refused_without_repeating_it() {
    let server = FakeServer::usual().await;
    for suffix in ["?token=s3cret", "#s3cret"] {
        let error = Client::connect(format!("{}{suffix}", server.url()), "agent-token").await.unwrap_err();
        assert!(!message(error).contains("s3cret"));
    }
    assert_eq!(server.connections(), 0);
}
