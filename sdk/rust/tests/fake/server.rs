//! A stand-in for the server's agent socket, for what the real server cannot be made to do
//! on demand: send an invalid frame, refuse the token, close with 1008, decide at the
//! exact moment a test needs. It answers every submit with `accepted` (the same
//! `command_id` for the same `request_id`) and decides only when told to.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

/// A bound for waits that only fail when the code under test is broken (never a threshold).
pub const PATIENCE: Duration = Duration::from_secs(30);

/// What the server does with the next connections.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Door {
    Open,
    /// TCP connections are closed at once: the client cannot reconnect.
    Shut,
    /// The handshake is answered with this HTTP status and a JSON error body.
    Refuse(u16),
    /// The `hello` is sent, then nothing is ever read: a hung server process.
    Deaf,
}

enum Out {
    Text(String),
    Binary,
    Close(u16),
    Drop,
}

#[derive(Default)]
struct Shared {
    frames: Mutex<Vec<Value>>,
    authorizations: Mutex<Vec<String>>,
    outboxes: Mutex<Vec<mpsc::UnboundedSender<Out>>>,
    changed: Notify,
    connections: AtomicUsize,
    turned_away: AtomicUsize,
    closed_by_client: AtomicUsize,
}

pub struct FakeServer {
    port: u16,
    tls: Option<tokio_rustls::TlsAcceptor>,
    hello: Mutex<Value>,
    door: Arc<Mutex<Door>>,
    shared: Arc<Shared>,
}

impl FakeServer {
    /// A server on a free loopback port whose `hello` carries `limits`.
    pub async fn start(limits: Value) -> Arc<FakeServer> {
        FakeServer::serving(limits, None).await
    }

    /// A `wss://` server whose certificate (for 127.0.0.1) is signed by a fresh private CA;
    /// that CA's certificate, DER-encoded.
    pub async fn tls() -> (Arc<FakeServer>, Vec<u8>) {
        let (config, ca) = crate::tls::server_config();
        let server = FakeServer::serving(json!({}), Some(tokio_rustls::TlsAcceptor::from(config))).await;
        (server, ca)
    }

    async fn serving(limits: Value, tls: Option<tokio_rustls::TlsAcceptor>) -> Arc<FakeServer> {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hello = json!({
            "type": "hello", "protocol": "v1", "server": "fake/0",
            "agent": {"id": "agt_fake", "name": "fake"}, "org": {"id": "org_fake", "name": "fake"},
            "limits": limits,
        });
        let server = Arc::new(FakeServer {
            port: listener.local_addr().unwrap().port(),
            tls,
            hello: Mutex::new(hello),
            door: Arc::new(Mutex::new(Door::Open)),
            shared: Arc::default(),
        });
        let accepting = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(accepting.clone().accept(stream));
            }
        });
        server
    }

    /// A server with the protocol's usual limits and a 60 s policy.
    pub async fn usual() -> Arc<FakeServer> {
        FakeServer::start(json!({"max_command_bytes": 65536, "max_frame_bytes": 1048576,
            "max_metadata_bytes": 16384, "timeout_seconds": 60, "resume_window_seconds": 30}))
        .await
    }

    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() { "wss" } else { "ws" };
        format!("{scheme}://127.0.0.1:{}/shell/ws", self.port)
    }

    /// The `hello` of the next connections carries `limits`.
    pub fn set_limits(&self, limits: Value) {
        self.hello.lock().unwrap()["limits"] = limits;
    }

    pub fn set_door(&self, door: Door) {
        *self.door.lock().unwrap() = door;
    }

    /// Connections that got past the handshake so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Connections closed at once because the door was shut.
    pub fn turned_away(&self) -> usize {
        self.shared.turned_away.load(Ordering::SeqCst)
    }

    /// Connections the client closed with a closing handshake.
    pub fn closed_by_client(&self) -> usize {
        self.shared.closed_by_client.load(Ordering::SeqCst)
    }

    /// The `Authorization` header of every handshake.
    pub fn authorizations(&self) -> Vec<String> {
        self.shared.authorizations.lock().unwrap().clone()
    }

    /// Every frame the clients sent, in order.
    pub fn frames(&self) -> Vec<Value> {
        self.shared.frames.lock().unwrap().clone()
    }

    /// The frames of one type, in order.
    pub fn frames_of(&self, kind: &str) -> Vec<Value> {
        self.frames().into_iter().filter(|f| f["type"] == kind).collect()
    }

    /// Wait until a client sent a frame `matches` accepts; that frame.
    pub async fn frame(&self, matches: impl Fn(&Value) -> bool) -> Value {
        self.until(|| self.frames().into_iter().find(|f| matches(f))).await
    }

    /// Wait until `check` finds something; re-checked whenever a frame or connection comes.
    pub async fn until<T>(&self, check: impl Fn() -> Option<T>) -> T {
        tokio::time::timeout(PATIENCE, async {
            loop {
                let changed = self.shared.changed.notified();
                if let Some(found) = check() {
                    return found;
                }
                changed.await;
            }
        })
        .await
        .expect("the fake server waited in vain")
    }

    /// The `submit` of `command`, once it came.
    pub async fn submit_of(&self, command: &str) -> Value {
        self.frame(|f| f["type"] == "submit" && f["command"] == command).await
    }

    /// Send `frame` on every open connection.
    pub fn send(&self, frame: Value) {
        self.broadcast(|| Out::Text(frame.to_string()));
    }

    pub fn send_text(&self, text: &str) {
        self.broadcast(|| Out::Text(text.to_owned()));
    }

    pub fn send_binary(&self) {
        self.broadcast(|| Out::Binary);
    }

    /// Close every connection with this close code.
    pub fn close_with(&self, code: u16) {
        self.broadcast(|| Out::Close(code));
    }

    /// Drop every connection without a closing handshake, as a network cut does.
    pub fn cut(&self) {
        self.broadcast(|| Out::Drop);
    }

    fn broadcast(&self, out: impl Fn() -> Out) {
        self.shared.outboxes.lock().unwrap().retain(|outbox| outbox.send(out()).is_ok());
    }

    async fn accept(self: Arc<Self>, stream: TcpStream) {
        let door = *self.door.lock().unwrap();
        if door == Door::Shut {
            self.shared.turned_away.fetch_add(1, Ordering::SeqCst);
            self.shared.changed.notify_waiters();
            return;
        }
        match self.tls.clone() {
            Some(tls) => {
                if let Ok(stream) = tls.accept(stream).await {
                    self.serve(stream, door).await;
                }
            }
            None => self.serve(stream, door).await,
        }
    }

    async fn serve(self: Arc<Self>, stream: impl AsyncRead + AsyncWrite + Unpin, door: Door) {
        let shared = self.shared.clone();
        #[expect(clippy::result_large_err, reason = "the signature of tungstenite's handshake callback")]
        let check = move |request: &Request, response: Response| {
            let authorization = request.headers().get("authorization").and_then(|v| v.to_str().ok());
            shared.authorizations.lock().unwrap().push(authorization.unwrap_or("").to_owned());
            match door {
                Door::Refuse(status) => {
                    let body = json!({"error": {"code": "unauthenticated", "message": "unknown token"}});
                    let mut refusal = ErrorResponse::new(Some(body.to_string()));
                    *refusal.status_mut() = StatusCode::from_u16(status).unwrap();
                    Err(refusal)
                }
                _ => Ok(response),
            }
        };
        let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(stream, check).await else { return };
        let (outbox, mut outgoing) = mpsc::unbounded_channel();
        self.shared.outboxes.lock().unwrap().push(outbox);
        self.shared.connections.fetch_add(1, Ordering::SeqCst);
        self.shared.changed.notify_waiters();
        let hello = self.hello.lock().unwrap().to_string();
        if socket.send(Message::text(hello)).await.is_err() {
            return;
        }
        if door == Door::Deaf {
            // Held open, never read: the client's writes fill the buffers and block.
            return std::future::pending().await;
        }
        loop {
            tokio::select! {
                incoming = socket.next() => match incoming {
                    Some(Ok(Message::Text(text))) => {
                        let frame: Value = serde_json::from_str(&text).unwrap();
                        if let Some(reply) = reply_to(&frame) {
                            let _ = socket.send(Message::text(reply.to_string())).await;
                        }
                        self.shared.frames.lock().unwrap().push(frame);
                        self.shared.changed.notify_waiters();
                    }
                    Some(Ok(Message::Close(_))) => {
                        self.shared.closed_by_client.fetch_add(1, Ordering::SeqCst);
                        self.shared.changed.notify_waiters();
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => break,
                },
                out = outgoing.recv() => match out {
                    Some(Out::Text(text)) => { let _ = socket.send(Message::text(text)).await; }
                    Some(Out::Binary) => { let _ = socket.send(Message::binary(b"{}".to_vec())).await; }
                    Some(Out::Close(code)) => {
                        let close = CloseFrame { code: code.into(), reason: "closed by the test".into() };
                        let _ = socket.close(Some(close)).await;
                    }
                    Some(Out::Drop) | None => break,
                },
            }
        }
        self.shared.changed.notify_waiters();
    }
}

/// `accepted` for a submit (its `command_id` derived from the `request_id`, so a resumed
/// submit names the same command), `pong` for a ping.
fn reply_to(frame: &Value) -> Option<Value> {
    match frame["type"].as_str()? {
        "submit" => Some(json!({
            "type": "accepted", "request_id": frame["request_id"], "command_id": command_id(&frame["request_id"]),
            "status": "pending", "expires_at": "2026-11-21T10:01:00Z", "resumed": false,
        })),
        "ping" => Some(json!({"type": "pong", "nonce": frame["nonce"]})),
        _ => None,
    }
}

pub fn command_id(request_id: &Value) -> String {
    format!("cmd_{}", &request_id.as_str().unwrap()[..12])
}

/// A `decision` frame for `submit`; `changes` overrides fields.
pub fn decision(submit: &Value, state: &str, changes: Value) -> Value {
    let mut frame = json!({
        "type": "decision", "request_id": submit["request_id"], "command_id": command_id(&submit["request_id"]),
        "approved": state == "approved", "decision": state, "latency_ms": 12.5,
        "reviewer": if state == "approved" || state == "denied" { json!("alice") } else { Value::Null },
        "notes": null, "whitelisted": false, "rule_id": null, "risk_score": 10, "anomalies": [],
        "command": submit["command"], "edited": false,
        "approvers": if state == "approved" { json!(["alice"]) } else { json!([]) },
    });
    for (key, value) in changes.as_object().unwrap() {
        frame[key] = value.clone();
    }
    frame
}
