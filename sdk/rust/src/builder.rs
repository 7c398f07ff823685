//! `Client::builder`: where to connect, with which token, and how patiently.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio_tungstenite::tungstenite::http::Uri;

use crate::client::Client;
use crate::error::Error;
use crate::link::{Settings, connect, tls_config};

/// Configures a [`Client`] before it connects.
///
/// ```no_run
/// # async fn example() -> Result<(), expacti::Error> {
/// use std::time::Duration;
///
/// let client = expacti::Client::builder("wss://expacti.example.com/shell/ws", "agent-token")
///     .reconnect_timeout(Duration::from_secs(120))
///     .connect()
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a builder does nothing until connect() is awaited"]
pub struct ClientBuilder {
    url: String,
    token: String,
    connect_timeout: Duration,
    reconnect_timeout: Duration,
    max_backoff: Duration,
    root_certificates: Vec<Vec<u8>>,
}

impl ClientBuilder {
    pub(crate) fn new(url: String, token: String) -> Self {
        ClientBuilder {
            url,
            token,
            connect_timeout: Duration::from_secs(10),
            reconnect_timeout: Duration::from_secs(60),
            max_backoff: Duration::from_secs(5),
            root_certificates: Vec::new(),
        }
    }

    /// One connection attempt's limit, the handshake and the server's `hello` (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long to keep trying to (re)connect before failing the waiting runs (default 60 s).
    pub fn reconnect_timeout(mut self, timeout: Duration) -> Self {
        self.reconnect_timeout = timeout;
        self
    }

    /// The longest pause between two connection attempts (default 5 s).
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Also trust this root certificate (DER-encoded X.509) for `wss://`, besides the
    /// Mozilla roots: the private CA of a self-hosted server. May be called more than once.
    pub fn add_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(der.into());
        self
    }

    /// Open the connection and wait for the server's `hello`, retrying with backoff for up
    /// to the reconnect timeout while the server cannot be reached. Must be called within a
    /// Tokio runtime: the connection is kept by a task of its own.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a URL that is not `ws://` or `wss://` `…/shell/ws`, a
    /// token that cannot travel in a header, a zero duration, or a root certificate that
    /// is not DER X.509;
    /// [`Error::Authentication`] at once when the server refuses the token;
    /// [`Error::Connection`] when it could not be reached in time.
    pub async fn connect(self) -> Result<Client, Error> {
        check_url(&self.url)?;
        check_token(&self.token)?;
        for (name, value) in [
            ("connect_timeout", self.connect_timeout),
            ("reconnect_timeout", self.reconnect_timeout),
            ("max_backoff", self.max_backoff),
        ] {
            if value.is_zero() {
                return Err(Error::InvalidArgument(format!("{name} must be more than zero")));
            }
        }
        let tls = tls_config(&self.root_certificates)?;
        let settings = Arc::new(Settings {
            url: self.url,
            token: self.token,
            connect_timeout: self.connect_timeout,
            reconnect_timeout: self.reconnect_timeout,
            max_backoff: self.max_backoff,
            tls,
        });
        let (opened, _failures) = connect(settings.clone(), 0).await;
        Ok(Client::start(settings, opened?))
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the token.
        formatter
            .debug_struct("ClientBuilder")
            .field("url", &self.url)
            .field("connect_timeout", &self.connect_timeout)
            .field("reconnect_timeout", &self.reconnect_timeout)
            .field("max_backoff", &self.max_backoff)
            .field("root_certificates", &self.root_certificates.len())
            .finish_non_exhaustive()
    }
}

/// A `ws://` or `wss://` URL of the agent socket, `/shell/ws`, without credentials, query
/// or fragment: a secret there would show in `Debug` output and error messages.
fn check_url(url: &str) -> Result<(), Error> {
    let invalid = || Error::InvalidArgument(format!("expected a ws:// or wss:// URL of /shell/ws, got {url:?}"));
    if url.contains(['?', '#']) {
        return Err(Error::InvalidArgument(
            "the URL must not have a query or fragment: the token travels in a header".to_owned(),
        ));
    }
    let uri: Uri = url.parse().map_err(|_| invalid())?;
    if !matches!(uri.scheme_str(), Some("ws" | "wss")) || !uri.path().ends_with("/shell/ws") {
        return Err(invalid());
    }
    let authority = uri.authority().ok_or_else(invalid)?;
    if authority.host().is_empty() {
        return Err(invalid());
    }
    if authority.as_str().contains('@') {
        return Err(Error::InvalidArgument(
            "the URL must not carry credentials: the token travels in a header".to_owned(),
        ));
    }
    Ok(())
}

/// Non-empty printable ASCII without spaces: what an `Authorization` header can carry.
fn check_token(token: &str) -> Result<(), Error> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::InvalidArgument("the token must be non-empty printable ASCII without spaces".to_owned()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{check_token, check_url};
    use crate::error::Error;

    #[test]
    fn takes_agent_socket_urls() {
        for url in
            ["ws://localhost:3001/shell/ws", "wss://expacti.example.com/shell/ws", "wss://example.com/expacti/shell/ws"]
        {
            assert_eq!(check_url(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn refuses_anything_else() {
        for url in [
            "",
            "localhost:3001",
            "http://localhost:3001/shell/ws",
            "https://localhost/shell/ws",
            "ws://localhost:3001",
            "ws://localhost:3001/api/v1/reviewer/ws",
            "ws:///shell/ws",
            "ws://user:secret@localhost/shell/ws",
        ] {
            assert!(check_url(url).is_err(), "{url}");
        }
    }

    #[test]
    fn refuses_a_query_or_fragment_without_repeating_it() {
        for url in ["ws://127.0.0.1:9/shell/ws?token=s3cret", "wss://example.com/shell/ws#s3cret", "ws://h/shell/ws?"] {
            let error = check_url(url).unwrap_err();
            assert!(matches!(&error, Error::InvalidArgument(m) if !m.contains("s3cret")), "{url}: {error:?}");
        }
    }

    #[test]
    fn takes_header_safe_tokens_only() {
        assert_eq!(check_token("demo-shell-token_1.2~"), Ok(()));
        for token in ["", "with space", "tab\there", "new\nline", "naïve", "\u{7f}"] {
            assert!(check_token(token).is_err(), "{token:?}");
        }
    }
}
