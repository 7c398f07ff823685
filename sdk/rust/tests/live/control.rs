//! The live harness (sdk/testing/live_server.py): its environment and its control API,
//! which decides commands as the organisation's reviewer and cuts connections.

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// An `EXPACTI_LIVE_*` variable; missing means the tests run outside the harness, and fail.
pub fn live(name: &str) -> String {
    std::env::var(format!("EXPACTI_LIVE_{name}")).unwrap_or_else(|_| {
        panic!("EXPACTI_LIVE_{name} is not set: the live tests run under sdk/testing/live_server.py (make test)")
    })
}

/// A command text no other test uses.
pub fn unique(what: &str) -> String {
    format!("echo rust-{what}-{:016x}", rand::random::<u64>())
}

pub struct Control {
    /// host:port of the control API.
    address: String,
}

impl Control {
    pub fn from_env() -> Control {
        let url = live("CONTROL");
        let address = url.strip_prefix("http://").expect("the control API is plain HTTP").trim_end_matches('/');
        Control { address: address.to_owned() }
    }

    /// `POST /decide`: wait until `command` is pending, then decide it; the Command after.
    pub async fn decide(&self, command: &str, action: &str, extra: Value) -> Value {
        let mut body = json!({"command": command, "action": action});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        self.expect(200, "POST", "/decide", Some(body)).await
    }

    /// `GET /command`: the newest command with this text, once it has `status`; and how
    /// many there are.
    pub async fn command(&self, text: &str, status: Option<&str>) -> (Value, u64) {
        let mut path = format!("/command?text={}", encode(text));
        if let Some(status) = status {
            path.push_str(&format!("&status={status}&wait=30"));
        }
        let found = self.expect(200, "GET", &path, None).await;
        (found["command"].clone(), found["count"].as_u64().unwrap())
    }

    /// `POST /whitelist`: an exact-match rule for `pattern`.
    pub async fn whitelist(&self, pattern: &str) {
        self.expect(201, "POST", "/whitelist", Some(json!({"pattern": pattern}))).await;
    }

    /// `POST /cut`: reset every proxied connection, and refuse new ones for a while.
    pub async fn cut(&self, refuse_seconds: f64) {
        self.expect(200, "POST", "/cut", Some(json!({"refuse_seconds": refuse_seconds}))).await;
    }

    async fn expect(&self, status: u16, method: &str, path: &str, body: Option<Value>) -> Value {
        let (got, answer) = self.call(method, path, body).await;
        assert_eq!(got, status, "{method} {path}: {answer}");
        answer
    }

    /// One HTTP/1.1 exchange on a fresh connection, closed by the server after it.
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.address,
            body.len()
        );
        let mut stream = TcpStream::connect(&self.address).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.unwrap();
        let response = String::from_utf8(response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
        (status, serde_json::from_str(body).unwrap_or(Value::Null))
    }
}

/// Percent-encoding for a query value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
