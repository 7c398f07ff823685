//! The client against an in-process stand-in for the server (tests/fake/server.rs): the
//! paths the real server cannot be made to take on demand. tests/live.rs runs the same
//! behaviour against the real server.

#[path = "fake/arguments.rs"]
mod arguments;
#[path = "fake/cancel.rs"]
mod cancel;
#[path = "fake/fail_closed.rs"]
mod fail_closed;
#[path = "fake/reconnect.rs"]
mod reconnect;
#[path = "fake/run.rs"]
mod run;
#[path = "fake/server.rs"]
mod server;
#[path = "fake/stall.rs"]
mod stall;
#[path = "fake/tls.rs"]
mod tls;

use std::sync::Arc;
use std::time::Duration;

use expacti::Client;
use server::FakeServer;

/// A client of `server` that reconnects fast.
async fn client(server: &Arc<FakeServer>) -> Client {
    Client::builder(server.url(), "agent-token")
        .max_backoff(Duration::from_millis(50))
        .reconnect_timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap()
}
