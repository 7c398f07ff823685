//! The client vectors the SDK builds, sent to the real server in file order on one raw
//! connection of a fresh organisation (no whitelist rules): the server answers each as the
//! vector says. Runs under sdk/testing/live_server.py only; outside it, it fails.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use super::vectors::{Built, CLIENT_CASES, build};
use crate::frames::ping_frame;

fn live(name: &str) -> String {
    std::env::var(format!("EXPACTI_LIVE_{name}")).unwrap_or_else(|_| {
        panic!("EXPACTI_LIVE_{name} is not set: the live tests run under sdk/testing/live_server.py (make test)")
    })
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next frame from the server, parsed.
async fn read(socket: &mut Socket) -> Value {
    loop {
        match socket.next().await.expect("the server closed the connection").unwrap() {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn the_sdks_frames_are_answered_as_the_vectors_say() {
    let mut request = live("URL").into_client_request().unwrap();
    let bearer = format!("Bearer {}", live("VECTORS_TOKEN"));
    request.headers_mut().insert("Authorization", bearer.parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(read(&mut socket).await["type"], "hello");

    let cases: Vec<_> = CLIENT_CASES.iter().filter(|c| c.buildable()).collect();
    let mut kinds: Vec<_> = cases.iter().map(|c| c.frame.as_ref().unwrap()["type"].as_str().unwrap()).collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds, ["cancel", "ping", "session_end", "submit"]);

    // In file order: later cases rely on earlier ones (a reused request_id, a cancel).
    for case in cases {
        let frame = case.expanded();
        let Built::Frame(text) = build(&frame) else { panic!("{} is not built", case.name) };
        socket.send(Message::text(text)).await.unwrap();
        if let Some(code) = case.error() {
            let reply = read(&mut socket).await;
            assert_eq!((&reply["type"], &reply["code"]), (&json!("error"), &json!(code)), "{}: {reply}", case.name);
            if let Some(request_id) = frame.get("request_id") {
                assert_eq!(&reply["request_id"], request_id, "{}", case.name);
            }
            continue;
        }
        match &case.expect["reply"] {
            Value::Null => {
                // Not answered: the ping sent after it is answered first.
                let nonce = format!("after-{}", case.name);
                socket.send(Message::text(ping_frame(Some(&nonce)))).await.unwrap();
                assert_eq!(read(&mut socket).await, json!({"type": "pong", "nonce": nonce}), "{}", case.name);
            }
            kind => {
                let reply = read(&mut socket).await;
                assert_eq!(&reply["type"], kind, "{}: {reply}", case.name);
            }
        }
    }
}
