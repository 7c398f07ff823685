//! Every error the SDK returns, in one enum.
//!
//! ```text
//! Error
//! ├── Denied            a human denied the command, or it was cancelled
//! ├── Timeout           no decision in time: the server's timed_out decision, or the
//! │                     client's own deadline (the command is then cancelled)
//! ├── Connection        cannot reach the server, lost it and could not resume before
//! │                     the deadline, or the client was closed
//! ├── Authentication    the token was refused (HTTP 401/403) or revoked (close 1008);
//! │                     a connection error too (`is_connection`), never retried
//! ├── Protocol          an `error` frame for this command (`code`), or a frame from the
//! │                     server that failed validation (`code` is None)
//! └── InvalidArgument   a bad argument, found before anything was sent
//! ```
//!
//! None of them ever means "approved": whenever the SDK is in doubt it returns an error,
//! and the command must not run.

use crate::decision::Decision;

/// Why `run` did not return an approval, or why a client could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A reviewer denied the command, or it was cancelled; it must not run.
    #[error("{}", denied_message(decision))]
    Denied {
        /// The server's decision (`denied` or `cancelled`), with the reviewer and notes.
        decision: Box<Decision>,
    },

    /// No decision in time. `decision` is the server's `timed_out` decision, or None when
    /// the client's own deadline passed first; the client then asked the server to
    /// cancel the command.
    #[error("{}", timeout_message(decision.as_deref()))]
    Timeout {
        /// The command that was submitted.
        command: String,
        /// The server's `timed_out` decision, if the server decided.
        decision: Option<Box<Decision>>,
    },

    /// The server could not be reached, the connection was lost and not resumed before
    /// the deadline, or the client was closed ("client closed").
    #[error("{0}")]
    Connection(String),

    /// The server refused the token on the handshake (HTTP 401 or 403), or closed the
    /// connection with 1008 because it was revoked (`status` 401). Never retried.
    #[error("{message}")]
    Authentication {
        /// The HTTP status: 401 (unknown or revoked token) or 403 (not an agent token).
        status: u16,
        /// What went wrong, with the server's own message when it sent one.
        message: String,
    },

    /// The server answered with an `error` frame (`code`: `request_id_conflict`,
    /// `too_many_pending`…), or sent a frame that failed validation (`code` is None).
    #[error("{message}")]
    Protocol {
        /// The `error` frame's code, or None for an invalid frame.
        code: Option<String>,
        /// What went wrong.
        message: String,
        /// The command's `request_id`, when the error concerns one.
        request_id: Option<String>,
    },

    /// An argument the server would refuse (a blank command, a timeout out of range, a
    /// command larger than the server takes…); nothing was sent.
    #[error("{0}")]
    InvalidArgument(String),
}

impl Error {
    /// The server's decision, for `Denied` and a server-decided `Timeout`.
    pub fn decision(&self) -> Option<&Decision> {
        match self {
            Error::Denied { decision } => Some(decision),
            Error::Timeout { decision, .. } => decision.as_deref(),
            _ => None,
        }
    }

    /// The command the error is about (the caller's own text), for `Denied` and `Timeout`.
    pub fn command(&self) -> Option<&str> {
        match self {
            Error::Denied { decision } => Some(&decision.original_command),
            Error::Timeout { command, .. } => Some(command),
            _ => None,
        }
    }

    /// The `error` frame's code, for `Protocol` errors the server reported.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Protocol { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// Whether the connection failed: `Connection` or `Authentication`.
    pub fn is_connection(&self) -> bool {
        matches!(self, Error::Connection(_) | Error::Authentication { .. })
    }

    pub(crate) fn closed() -> Self {
        Error::Connection("client closed".to_owned())
    }

    pub(crate) fn invalid_frame(message: String, request_id: Option<String>) -> Self {
        Error::Protocol { code: None, message, request_id }
    }
}

fn denied_message(decision: &Decision) -> String {
    let verb = decision.decision.as_str();
    let by = decision.reviewer.as_deref().map(|r| format!(" by {r}")).unwrap_or_default();
    let why = decision.notes.as_deref().map(|n| format!(": {n}")).unwrap_or_default();
    format!("command {verb}{by}{why} ({})", decision.command_id)
}

fn timeout_message(decision: Option<&Decision>) -> String {
    match decision {
        None => "no decision before the client's deadline; the command was cancelled".to_owned(),
        Some(decision) => {
            let why = decision.notes.as_deref().map(|n| format!(": {n}")).unwrap_or_default();
            format!("command timed out{why} ({})", decision.command_id)
        }
    }
}
