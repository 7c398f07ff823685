//! Opening the agent WebSocket: the handshake with the token, the server's `hello`, and
//! retrying with backoff while the server cannot be reached.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::StreamExt;
use rustls::pki_types::CertificateDer;
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep, timeout};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::{AUTHORIZATION, USER_AGENT};
use tokio_tungstenite::tungstenite::http::{HeaderValue, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use crate::backoff::backoff_delay;
use crate::error::Error;
use crate::frames::{Hello, ServerFrame, parse_server_frame};

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Frames larger than this from the server close the connection, as in the other SDKs.
pub(crate) const MAX_INCOMING_FRAME_BYTES: usize = 1024 * 1024;
const MAX_ERROR_BODY: usize = 64 * 1024;
const USER_AGENT_VALUE: &str = concat!("expacti-rust/", env!("CARGO_PKG_VERSION"));

/// Where and how to connect.
pub(crate) struct Settings {
    pub(crate) url: String,
    pub(crate) token: String,
    pub(crate) connect_timeout: Duration,
    pub(crate) reconnect_timeout: Duration,
    pub(crate) max_backoff: Duration,
    /// The roots a `wss://` server's certificate must chain to.
    pub(crate) tls: Arc<rustls::ClientConfig>,
}

/// An open connection whose `hello` has arrived.
pub(crate) struct Opened {
    pub(crate) socket: Socket,
    pub(crate) hello: Hello,
}

/// Why one attempt failed: the token was refused (final), or anything worth a retry.
enum Attempt {
    Refused(Error),
    Failed(String),
}

/// Connect, retrying with backoff for up to `reconnect_timeout`; also the number of
/// consecutive failures so far, which sets the next backoff.
pub(crate) async fn connect(settings: Arc<Settings>, mut failures: u32) -> (Result<Opened, Error>, u32) {
    let give_up = later(settings.reconnect_timeout);
    let mut last_failure: Option<String> = None;
    loop {
        let delay = backoff_delay(failures, settings.max_backoff);
        if let Some(why) = &last_failure {
            if later(delay) >= give_up {
                let message = format!("could not connect to {}: {why}", settings.url);
                return (Err(Error::Connection(message)), failures);
            }
        }
        sleep(delay.min(give_up.saturating_duration_since(Instant::now()))).await;
        let left = give_up.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
        match open(&settings, settings.connect_timeout.min(left)).await {
            Ok(opened) => return (Ok(opened), failures),
            Err(Attempt::Refused(error)) => return (Err(error), failures),
            Err(Attempt::Failed(why)) => {
                last_failure = Some(why);
                failures += 1;
            }
        }
    }
}

/// One attempt, bounded by `limit`: the handshake, then the `hello`.
async fn open(settings: &Settings, limit: Duration) -> Result<Opened, Attempt> {
    let attempt = async {
        let socket = handshake(settings).await?;
        read_hello(socket).await
    };
    match timeout(limit, attempt).await {
        Ok(result) => result,
        Err(_) => Err(Attempt::Failed(format!("no hello from the server within {limit:?}"))),
    }
}

async fn handshake(settings: &Settings) -> Result<Socket, Attempt> {
    let mut request = settings.url.as_str().into_client_request().map_err(|e| Attempt::Failed(e.to_string()))?;
    let mut bearer = HeaderValue::from_str(&format!("Bearer {}", settings.token))
        .map_err(|_| Attempt::Refused(Error::InvalidArgument("the token cannot be sent in a header".to_owned())))?;
    // Kept out of the http crate's Debug output.
    bearer.set_sensitive(true);
    request.headers_mut().insert(AUTHORIZATION, bearer);
    request.headers_mut().insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_INCOMING_FRAME_BYTES))
        .max_frame_size(Some(MAX_INCOMING_FRAME_BYTES));
    let connector = Connector::Rustls(settings.tls.clone());
    match tokio_tungstenite::connect_async_tls_with_config(request, Some(config), true, Some(connector)).await {
        Ok((socket, _response)) => Ok(socket),
        Err(tungstenite::Error::Http(response)) => Err(refusal(&response)),
        Err(error) => Err(Attempt::Failed(error.to_string())),
    }
}

/// The HTTP answer the server gave instead of a WebSocket.
fn refusal(response: &Response<Option<Vec<u8>>>) -> Attempt {
    let status = response.status().as_u16();
    let why = response.body().as_deref().map(server_message).unwrap_or_default();
    let why = if why.is_empty() { String::new() } else { format!(": {why}") };
    if status == 401 || status == 403 {
        let message = format!("the server refused the token (HTTP {status}{why})");
        return Attempt::Refused(Error::Authentication { status, message });
    }
    Attempt::Failed(format!("the server answered HTTP {status} instead of a WebSocket{why}"))
}

/// `error.message` of the server's JSON error body, if it has one.
fn server_message(body: &[u8]) -> String {
    let body = &body[..body.len().min(MAX_ERROR_BODY)];
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| value.pointer("/error/message")?.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The first frame of a connection is the server's `hello`: the token was accepted.
async fn read_hello(mut socket: Socket) -> Result<Opened, Attempt> {
    loop {
        let frame = match socket.next().await {
            Some(Ok(Message::Text(text))) => parse_server_frame(&text),
            Some(Ok(Message::Close(Some(close)))) if close.code == CloseCode::Policy => {
                let message = format!("the server closed the connection: the token was refused ({})", close.reason);
                return Err(Attempt::Refused(Error::Authentication { status: 401, message }));
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
            Some(Ok(_)) => return Err(Attempt::Failed("the server sent something else than its hello".to_owned())),
            Some(Err(error)) => return Err(Attempt::Failed(error.to_string())),
            None => return Err(Attempt::Failed("the server closed the connection before its hello".to_owned())),
        };
        return match frame {
            Ok(ServerFrame::Hello(hello)) => Ok(Opened { socket, hello }),
            Ok(_) => Err(Attempt::Failed("the server sent another frame before its hello".to_owned())),
            Err(error) => Err(Attempt::Failed(error.to_string())),
        };
    }
}

/// `wait` from now; a wait too long for the clock (`Duration::MAX`) is a century.
pub(crate) fn later(wait: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    let now = Instant::now();
    now.checked_add(wait).or_else(|| now.checked_add(CENTURY)).unwrap_or(now)
}

/// TLS with the Mozilla roots and ring, whatever crypto provider the application
/// installed; plus `extra` roots (DER), a private CA's for a self-hosted server.
pub(crate) fn tls_config(extra: &[Vec<u8>]) -> Result<Arc<rustls::ClientConfig>, Error> {
    static DEFAULT: OnceLock<Result<Arc<rustls::ClientConfig>, Error>> = OnceLock::new();
    if extra.is_empty() {
        return DEFAULT.get_or_init(|| build_tls_config(&[])).clone();
    }
    build_tls_config(extra)
}

fn build_tls_config(extra: &[Vec<u8>]) -> Result<Arc<rustls::ClientConfig>, Error> {
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    for der in extra {
        roots.add(CertificateDer::from(der.as_slice())).map_err(|e| {
            Error::InvalidArgument(format!("a root certificate is not a usable DER X.509 certificate: {e}"))
        })?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|builder| Arc::new(builder.with_root_certificates(roots).with_no_client_auth()))
        .map_err(|e| Error::Connection(format!("TLS is unavailable: {e}")))
}
