//! The final word on a command, as `run` returns it.

use std::fmt;

/// A command's final state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecisionState {
    /// A reviewer or a whitelist rule approved it: it may run.
    Approved,
    /// A reviewer denied it.
    Denied,
    /// Nobody decided before it expired.
    TimedOut,
    /// The agent (or its lost connection) cancelled it.
    Cancelled,
}

impl DecisionState {
    /// The protocol's name: `approved`, `denied`, `timed_out` or `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionState::Approved => "approved",
            DecisionState::Denied => "denied",
            DecisionState::TimedOut => "timed_out",
            DecisionState::Cancelled => "cancelled",
        }
    }

    pub(crate) fn from_wire(name: &str) -> Option<Self> {
        match name {
            "approved" => Some(DecisionState::Approved),
            "denied" => Some(DecisionState::Denied),
            "timed_out" => Some(DecisionState::TimedOut),
            "cancelled" => Some(DecisionState::Cancelled),
            _ => None,
        }
    }
}

impl fmt::Display for DecisionState {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A command's final decision: the server's `decision` frame plus what was asked.
///
/// `approved` is true only when `decision` is [`DecisionState::Approved`]; only then may
/// the command run. Run `command`, not what you asked for: a reviewer may have edited it
/// before approving (`edited`); `original_command` is what you submitted.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Decision {
    /// True only for an approval.
    pub approved: bool,
    /// The final state.
    pub decision: DecisionState,
    /// The server's id of the command.
    pub command_id: String,
    /// The command to run: the reviewer's text after an edit, else your own.
    pub command: String,
    /// A reviewer changed the command before approving it.
    pub edited: bool,
    /// What you submitted.
    pub original_command: String,
    /// Who decided; None for whitelist hits, timeouts and cancellations.
    pub reviewer: Option<String>,
    /// The reviewer's note, or why the command was timed out or cancelled.
    pub notes: Option<String>,
    /// Approved by a whitelist rule, without a human.
    pub whitelisted: bool,
    /// The (first) whitelist rule that matched.
    pub rule_id: Option<String>,
    /// The server's risk assessment, 0-100.
    pub risk_score: u8,
    /// Ids of the risk rules that found something, highest score first.
    pub anomalies: Vec<String>,
    /// The reviewers who approved, in order; empty when whitelisted or not approved.
    pub approvers: Vec<String>,
    /// From submission to decision, measured by the server.
    pub latency_ms: f64,
    /// The idempotency key the SDK chose for this command.
    pub request_id: String,
}
