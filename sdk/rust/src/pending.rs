//! One run waiting for its decision: its deadline, and what each routed frame means.
//!
//! The deadline is made of durations on the monotonic clock, never of the server's
//! wall-clock `expires_at`, so a client clock that is off cannot shorten the wait. It is
//! the run's own timeout, else the organisation's from `hello`, else the protocol's
//! maximum, plus a grace for the network, counted from when the submit first went out. An
//! escalation that moves `expires_at` later extends the wait of a run without its own
//! timeout by as much (the difference of two server timestamps).

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use crate::backoff::backoff_delay;
use crate::error::Error;
use crate::frames::{DecisionFrame, ErrorFrame, MAX_TIMEOUT_SECONDS, Progress};
use crate::link::{Command, Event};

/// How much longer than the server's timeout the client waits, for network slack.
const GRACE: Duration = Duration::from_secs(5);

pub(crate) struct Pending {
    request_id: String,
    command: String,
    url: String,
    timeout: Option<u64>,
    policy: Option<u64>,
    max_backoff: Duration,
    started: Instant,
    sent_at: Option<Instant>,
    /// Seconds an escalation added.
    extension: f64,
    /// The server's `expires_at` from the latest `accepted` or `progress`.
    expires_at: Option<f64>,
    command_id: Option<String>,
    /// The submit is out on the current connection.
    connected: bool,
    /// `unavailable` answers so far, and the one waiting to be retried.
    unavailable: u32,
    retry: Option<(Instant, ErrorFrame)>,
}

impl Pending {
    pub(crate) fn new(
        request_id: String,
        command: String,
        url: String,
        timeout: Option<u64>,
        policy: Option<u64>,
        max_backoff: Duration,
    ) -> Self {
        Pending {
            request_id,
            command,
            url,
            timeout,
            policy,
            max_backoff,
            started: Instant::now(),
            sent_at: None,
            extension: 0.0,
            expires_at: None,
            command_id: None,
            connected: false,
            unavailable: 0,
            retry: None,
        }
    }

    fn deadline(&self) -> Instant {
        let budget = self.timeout.or(self.policy).unwrap_or(MAX_TIMEOUT_SECONDS);
        let start = self.sent_at.unwrap_or(self.started);
        start + Duration::from_secs(budget) + Duration::from_secs_f64(self.extension) + GRACE
    }

    /// Wait for the decision, or the error that ends the run.
    pub(crate) async fn wait(
        &mut self,
        events: &mut mpsc::UnboundedReceiver<Event>,
        link: &mpsc::UnboundedSender<Command>,
    ) -> Result<Box<DecisionFrame>, Error> {
        loop {
            let deadline = self.deadline();
            let retry_at = self.retry.as_ref().map(|(at, _)| *at);
            tokio::select! {
                event = events.recv() => {
                    // The connection task is gone: the client was closed.
                    let event = event.ok_or_else(Error::closed)?;
                    if let Some(decision) = self.apply(event)? {
                        return Ok(decision);
                    }
                }
                () = sleep_until(deadline) => return Err(self.expired()),
                () = sleep_until(retry_at.unwrap_or(deadline)), if retry_at.is_some() => {
                    self.retry = None;
                    let resend = Command::Resend { request_id: self.request_id.clone() };
                    link.send(resend).map_err(|_| Error::closed())?;
                }
            }
        }
    }

    /// Take one event in; the decision once it came.
    fn apply(&mut self, event: Event) -> Result<Option<Box<DecisionFrame>>, Error> {
        match event {
            Event::Sent(at) => {
                self.sent_at.get_or_insert(at);
                self.connected = true;
            }
            Event::Lost => self.connected = false,
            Event::Policy(seconds) => self.policy = Some(seconds),
            Event::Accepted(accepted) => {
                self.same_command(&accepted.command_id)?;
                self.expires_at = Some(accepted.expires_at);
            }
            Event::Progress(progress) => {
                self.same_command(&progress.command_id)?;
                self.progressed(&progress);
            }
            Event::Decision(decision) => {
                self.same_command(&decision.command_id)?;
                return Ok(Some(decision));
            }
            Event::Refused(refusal) if refusal.code == "unavailable" => {
                // The server could not store it; the same request_id is retried after a backoff.
                self.unavailable += 1;
                let at = Instant::now() + backoff_delay(self.unavailable, self.max_backoff);
                if at >= self.deadline() {
                    return Err(refusal.refused());
                }
                self.retry = Some((at, refusal));
            }
            Event::Refused(refusal) => return Err(refusal.refused()),
            Event::Failed(error) => return Err(error),
        }
        Ok(None)
    }

    fn same_command(&mut self, command_id: &str) -> Result<(), Error> {
        match &self.command_id {
            Some(known) if known != command_id => Err(Error::invalid_frame(
                format!("the server switched command_id from {known} to {command_id} for one request"),
                Some(self.request_id.clone()),
            )),
            Some(_) => Ok(()),
            None => {
                self.command_id = Some(command_id.to_owned());
                Ok(())
            }
        }
    }

    fn progressed(&mut self, progress: &Progress) {
        let previous = self.expires_at.replace(progress.expires_at);
        if let (true, None, Some(previous)) = (progress.escalated, self.timeout, previous) {
            let moved = progress.expires_at - previous;
            if moved > 0.0 {
                self.extension = (self.extension + moved).min(MAX_TIMEOUT_SECONDS as f64);
            }
        }
    }

    /// The error once the deadline passed.
    fn expired(&mut self) -> Error {
        if let Some((_, refusal)) = self.retry.take() {
            return refusal.refused();
        }
        if self.connected {
            return Error::Timeout { command: self.command.clone(), decision: None };
        }
        Error::Connection(match self.sent_at {
            Some(_) => format!("lost the connection to {} and could not resume before the deadline", self.url),
            None => format!("could not reach {} before the deadline", self.url),
        })
    }
}

/// Tells the connection task that a run is over when it is dropped, finished or not.
///
/// Dropping a run's future (`tokio::time::timeout`, an aborted task, a `select!` that took
/// another branch) drops this while the command still waits: the task then asks the server
/// to cancel it.
pub(crate) struct FinishGuard {
    link: mpsc::UnboundedSender<Command>,
    request_id: String,
    cancel: Option<&'static str>,
}

impl FinishGuard {
    pub(crate) fn new(link: mpsc::UnboundedSender<Command>, request_id: String) -> Self {
        FinishGuard { link, request_id, cancel: Some("the agent stopped waiting") }
    }

    /// The run ended with `outcome`: cancel the command only if it may still be pending.
    pub(crate) fn ended<T>(&mut self, outcome: &Result<T, Error>) {
        self.cancel = match outcome {
            Err(Error::Timeout { decision: None, .. }) => Some("agent deadline passed"),
            // An untrustworthy frame: the command may still be pending.
            Err(Error::Protocol { code: None, .. }) => Some("invalid frame from the server"),
            _ => None,
        };
    }
}

impl Drop for FinishGuard {
    fn drop(&mut self) {
        let request_id = std::mem::take(&mut self.request_id);
        // The task is gone only once the client is closed, which cancelled everything.
        let _ = self.link.send(Command::Finish { request_id, cancel: self.cancel });
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::time::Instant;

    use super::{GRACE, Pending};
    use crate::error::Error;
    use crate::frames::{Accepted, DecisionFrame, ErrorFrame, Progress};
    use crate::link::Event;

    const SECOND: Duration = Duration::from_secs(1);

    fn pending(timeout: Option<u64>, policy: Option<u64>) -> Pending {
        Pending::new("r-1".into(), "ls".into(), "ws://x/shell/ws".into(), timeout, policy, SECOND)
    }

    /// The deadline, as seconds after the run started.
    fn offset(pending: &Pending) -> u64 {
        (pending.deadline() - pending.started).as_secs()
    }

    fn accepted(command_id: &str, expires_at: f64) -> Event {
        Event::Accepted(Accepted { request_id: "r-1".into(), command_id: command_id.into(), expires_at })
    }

    fn escalated(expires_at: f64) -> Event {
        Event::Progress(Progress { request_id: "r-1".into(), command_id: "cmd_1".into(), escalated: true, expires_at })
    }

    #[test]
    fn the_budget_is_the_runs_timeout_else_the_policy_else_the_maximum_plus_the_grace() {
        let grace = GRACE.as_secs();
        assert_eq!(offset(&pending(Some(30), Some(60))), 30 + grace);
        assert_eq!(offset(&pending(None, Some(60))), 60 + grace);
        assert_eq!(offset(&pending(None, None)), 600 + grace);
        let mut late_policy = pending(None, None);
        late_policy.apply(Event::Policy(45)).unwrap();
        assert_eq!(offset(&late_policy), 45 + grace);
    }

    #[test]
    fn it_counts_from_the_first_send() {
        let mut run = pending(Some(10), None);
        let first = run.started + 3 * SECOND;
        run.apply(Event::Sent(first)).unwrap();
        run.apply(Event::Sent(first + 20 * SECOND)).unwrap();
        assert_eq!(run.deadline(), first + 10 * SECOND + GRACE);
    }

    #[test]
    fn an_escalation_extends_a_run_without_its_own_timeout() {
        let mut run = pending(None, Some(60));
        run.apply(accepted("cmd_1", 1000.0)).unwrap();
        run.apply(escalated(1120.0)).unwrap();
        assert_eq!(offset(&run), 60 + 120 + GRACE.as_secs());
        // Once: the same expires_at again moves nothing.
        run.apply(escalated(1120.0)).unwrap();
        assert_eq!(offset(&run), 60 + 120 + GRACE.as_secs());
        let mut own = pending(Some(60), None);
        own.apply(accepted("cmd_1", 1000.0)).unwrap();
        own.apply(escalated(1120.0)).unwrap();
        assert_eq!(offset(&own), 60 + GRACE.as_secs());
    }

    #[test]
    fn a_command_id_that_changes_is_a_protocol_error() {
        let mut run = pending(None, None);
        run.apply(accepted("cmd_1", 1000.0)).unwrap();
        let error = run.apply(accepted("cmd_2", 1000.0)).unwrap_err();
        assert!(matches!(error, Error::Protocol { code: None, request_id: Some(_), .. }), "{error:?}");
    }

    #[test]
    fn unavailable_past_the_deadline_is_the_servers_refusal() {
        let refusal = ErrorFrame { code: "unavailable".into(), message: "down".into(), request_id: Some("r-1".into()) };
        let mut run = pending(Some(1), None);
        run.apply(Event::Sent(Instant::now())).unwrap();
        run.apply(Event::Refused(refusal.clone())).unwrap();
        assert!(run.retry.is_some());
        assert_eq!(run.expired(), refusal.refused());
    }

    #[test]
    fn past_the_deadline_it_is_a_timeout_only_while_connected() {
        let mut run = pending(None, None);
        assert!(matches!(run.expired(), Error::Connection(m) if m.starts_with("could not reach")));
        run.apply(Event::Sent(Instant::now())).unwrap();
        assert!(matches!(run.expired(), Error::Timeout { decision: None, .. }));
        run.apply(Event::Lost).unwrap();
        assert!(matches!(run.expired(), Error::Connection(m) if m.starts_with("lost the connection")));
    }

    #[test]
    fn a_decision_ends_the_wait() {
        let frame = DecisionFrame {
            request_id: "r-1".into(),
            command_id: "cmd_1".into(),
            approved: true,
            decision: crate::DecisionState::Approved,
            latency_ms: 1.0,
            reviewer: None,
            notes: None,
            whitelisted: true,
            rule_id: None,
            risk_score: 0,
            anomalies: vec![],
            command: None,
            edited: false,
            approvers: vec![],
        };
        let mut run = pending(None, None);
        let decided = run.apply(Event::Decision(Box::new(frame.clone()))).unwrap();
        assert_eq!(decided.as_deref(), Some(&frame));
    }
}
