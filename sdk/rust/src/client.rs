//! `Client`: one WebSocket shared by every run of every clone.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{mpsc, oneshot};

use crate::builder::ClientBuilder;
use crate::decision::{Decision, DecisionState};
use crate::error::Error;
use crate::frames::{Limits, Submit, session_end_frame, submit_frame};
use crate::link::{CLOSE_BOUND, Command, Link, Opened, Settings};
use crate::options::{RunOptions, SessionStatus};
use crate::pending::{FinishGuard, Pending};

/// Asks an expacti server for approval before a command runs.
///
/// Cheap to clone, and `Send + Sync`: every clone shares one connection, kept by one task,
/// and runs from many tasks at once are routed by their `request_id`. When the connection
/// drops, the task reconnects with backoff and re-sends every waiting submit with the same
/// `request_id`, so the server resumes each wait instead of creating a second command.
///
/// ```no_run
/// # async fn example() -> Result<(), expacti::Error> {
/// let client = expacti::Client::connect("ws://localhost:3001/shell/ws", "demo-shell-token").await?;
/// let decision = client.run("terraform apply").await?; // Err unless a human approved
/// println!("approved by {:?}; running {}", decision.reviewer, decision.command);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Arc<Settings>,
    link: mpsc::UnboundedSender<Command>,
    /// From the latest `hello`.
    limits: Arc<Mutex<Limits>>,
    closed: AtomicBool,
}

impl Client {
    /// Connect to `url` (`ws://` or `wss://` `…/shell/ws`) with an agent token, with the
    /// default timeouts; see [`Client::builder`] for the others.
    ///
    /// # Errors
    ///
    /// As [`ClientBuilder::connect`]: `InvalidArgument`, `Authentication` (at once, never
    /// retried) or `Connection` (not reachable within the reconnect timeout).
    pub async fn connect(url: impl Into<String>, token: impl Into<String>) -> Result<Client, Error> {
        Client::builder(url, token).connect().await
    }

    /// Configure the timeouts before connecting.
    pub fn builder(url: impl Into<String>, token: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(url.into(), token.into())
    }

    pub(crate) fn start(settings: Arc<Settings>, opened: Opened) -> Client {
        let limits = Arc::new(Mutex::new(opened.hello.limits));
        let link = Link::spawn(settings.clone(), limits.clone(), opened);
        Client { inner: Arc::new(Inner { settings, link, limits, closed: AtomicBool::new(false) }) }
    }

    /// Submit `command` for approval and wait for the decision; see [`Client::run_with`].
    ///
    /// # Errors
    ///
    /// Every outcome but an approval; see [`Client::run_with`].
    pub async fn run(&self, command: &str) -> Result<Decision, Error> {
        self.run_with(command, RunOptions::new()).await
    }

    /// Submit `command` for approval and wait until it is decided.
    ///
    /// `Ok` only for an approval: run [`Decision::command`], which is the reviewer's text
    /// when they edited it (`edited`). A denial or cancellation is [`Error::Denied`], a
    /// timeout [`Error::Timeout`], and any doubt (an invalid frame, a lost connection)
    /// another error: never run the command then.
    ///
    /// The wait is bounded by the run's timeout (else the organisation's) plus 5 s; past
    /// it the command is cancelled on the server and the error is `Timeout` without a
    /// decision. Dropping the future before it completes also cancels the command on the
    /// server (at once when connected, else right after reconnecting), so
    /// `tokio::time::timeout(limit, client.run(cmd))` bounds the wait too.
    ///
    /// # Errors
    ///
    /// - [`Error::Denied`]: a reviewer denied it, or it was cancelled (the decision inside).
    /// - [`Error::Timeout`]: the server timed it out (with its decision), or the client's
    ///   deadline passed (without; the command was cancelled).
    /// - [`Error::Connection`]: the connection was lost and not back before the reconnect
    ///   timeout or the deadline, or the client was closed.
    /// - [`Error::Authentication`]: the token was revoked while waiting.
    /// - [`Error::Protocol`]: the server refused the submit (`code`), or sent a frame that
    ///   failed validation (no code; the command was cancelled).
    /// - [`Error::InvalidArgument`]: the command or an option is something the server would
    ///   refuse; nothing was sent.
    pub async fn run_with(&self, command: &str, options: RunOptions) -> Result<Decision, Error> {
        let inner = &self.inner;
        inner.check_open()?;
        let limits = *inner.limits.lock().unwrap_or_else(PoisonError::into_inner);
        let timeout = options.timeout_seconds()?;
        let request_id = format!("{:032x}", rand::random::<u128>());
        let frame = submit_frame(
            &Submit {
                request_id: &request_id,
                command,
                target: options.target.as_deref(),
                timeout_seconds: timeout,
                session: options.session.as_ref(),
                context: options.context.as_ref(),
            },
            &limits,
        )?;
        let (events, mut received) = mpsc::unbounded_channel();
        let mut guard = FinishGuard::new(inner.link.clone(), request_id.clone());
        let submit = Command::Submit { request_id: request_id.clone(), frame, events };
        inner.link.send(submit).map_err(|_| Error::closed())?;
        let mut pending = Pending::new(
            request_id,
            command.to_owned(),
            inner.settings.url.clone(),
            timeout,
            limits.timeout_seconds,
            inner.settings.max_backoff,
        );
        let outcome = pending.wait(&mut received, &inner.link).await;
        guard.ended(&outcome);
        drop(guard);
        approval(outcome?.into_decision(command)?)
    }

    /// Tell the server the agent is done with the session it submitted commands in
    /// (`Session::id`): reviewers see it ended, and how. Reconnects if needed.
    ///
    /// # Errors
    ///
    /// `InvalidArgument` for an id that is empty or longer than 128 characters; a
    /// connection error when the frame could not be sent.
    pub async fn end_session(&self, session_id: &str, status: SessionStatus) -> Result<(), Error> {
        let frame = session_end_frame(session_id, status)?;
        self.inner.check_open()?;
        let (done, sent) = oneshot::channel();
        self.inner.link.send(Command::SessionEnd { frame, done }).map_err(|_| Error::closed())?;
        sent.await.map_err(|_| Error::closed())?
    }

    /// Fail every run still waiting with `Error::Connection("client closed")`, ask the
    /// server to cancel their commands (best effort), and close the connection, for every
    /// clone. Returns within 4 s, even when the server stopped reading: whatever is left
    /// then ends in the background. Idempotent.
    pub async fn close(&self) {
        if self.inner.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        let (done, closed) = oneshot::channel();
        if self.inner.link.send(Command::Close { done }).is_ok() {
            // The task may be in the middle of a write to a stalled server.
            let _ = tokio::time::timeout(CLOSE_BOUND, closed).await;
        }
    }

    /// Whether [`Client::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::SeqCst)
    }

    /// The URL the client connects to.
    pub fn url(&self) -> &str {
        &self.inner.settings.url
    }
}

impl Inner {
    fn check_open(&self) -> Result<(), Error> {
        if self.closed.load(Ordering::SeqCst) { Err(Error::closed()) } else { Ok(()) }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the token.
        formatter
            .debug_struct("Client")
            .field("url", &self.inner.settings.url)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// The decision for an approval; the typed error for anything else.
fn approval(decision: Decision) -> Result<Decision, Error> {
    match decision.decision {
        DecisionState::Approved => Ok(decision),
        DecisionState::TimedOut => {
            Err(Error::Timeout { command: decision.original_command.clone(), decision: Some(Box::new(decision)) })
        }
        DecisionState::Denied | DecisionState::Cancelled => Err(Error::Denied { decision: Box::new(decision) }),
    }
}
