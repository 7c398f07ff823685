//! What a run carries besides its command: `RunOptions` and the agent's `Session`.

use std::time::Duration;

use serde_json::Value;

use crate::error::Error;
use crate::frames::MAX_TIMEOUT_SECONDS;

/// Options of [`Client::run_with`](crate::Client::run_with), built by chaining:
///
/// ```
/// use std::time::Duration;
/// use expacti::RunOptions;
///
/// let options = RunOptions::new()
///     .target("prod-eu")
///     .timeout(Duration::from_secs(120))
///     .context(serde_json::json!({"ticket": "OPS-7"}));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
#[must_use]
pub struct RunOptions {
    pub(crate) target: Option<String>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) context: Option<Value>,
    pub(crate) session: Option<Session>,
}

impl RunOptions {
    /// No target, the organisation's timeout, no context, no session.
    pub fn new() -> Self {
        RunOptions::default()
    }

    /// The host, cluster or environment the command is for (at most 255 characters);
    /// whitelist scopes use it.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// How long a human has to decide: whole seconds from 1 to 600. The server applies the
    /// smaller of this and the organisation's policy; the client waits this long plus 5 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Free-form JSON shown to reviewers; must be a JSON object.
    pub fn context(mut self, context: Value) -> Self {
        self.context = Some(context);
        self
    }

    /// What the agent is working on, shown to reviewers.
    pub fn session(mut self, session: Session) -> Self {
        self.session = Some(session);
        self
    }

    /// `timeout` as the protocol's `timeout_seconds`.
    pub(crate) fn timeout_seconds(&self) -> Result<Option<u64>, Error> {
        let Some(timeout) = self.timeout else { return Ok(None) };
        let seconds = timeout.as_secs();
        if timeout.subsec_nanos() != 0 || !(1..=MAX_TIMEOUT_SECONDS).contains(&seconds) {
            return Err(Error::InvalidArgument(format!(
                "timeout must be whole seconds from 1 to {MAX_TIMEOUT_SECONDS}, not {timeout:?}"
            )));
        }
        Ok(Some(seconds))
    }
}

/// What the agent is working on (docs/SESSIONS.md): shown to reviewers with each command
/// submitted with it; end it with [`Client::end_session`](crate::Client::end_session).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    /// The agent's own id for the session, 1-128 characters.
    pub id: String,
    /// What the agent is trying to achieve.
    pub goal: Option<String>,
    /// The plan, in order.
    pub steps: Option<Vec<String>>,
    /// The 0-based index into `steps` of the step in progress.
    pub current_step: Option<u32>,
}

impl Session {
    /// A session with this id and nothing else.
    pub fn new(id: impl Into<String>) -> Self {
        Session { id: id.into(), ..Session::default() }
    }
}

/// How a session ended, as `session_end` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionStatus {
    /// The agent reached its goal.
    Completed,
    /// The agent gave up (after a denial, say).
    Failed,
}

impl SessionStatus {
    /// The protocol's name: `completed` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Completed => "completed",
            SessionStatus::Failed => "failed",
        }
    }
}
