//! Frames from the server, parsed strictly.
//!
//! The parser fails closed: a frame that is not exactly what the protocol promises is an
//! [`Error::Protocol`] without a code, so a malformed `decision` is never an approval.

use serde_json::Value;

use super::limits::Limits;
use crate::decision::{Decision, DecisionState};
use crate::error::Error;
use crate::fields::Fields;
use crate::json::parse_strict;

/// Far above any real policy; only bounds what a frame may say.
const MAX_APPROVALS: i64 = 1000;
/// Beyond, JSON integers lose precision in other SDKs.
const MAX_SEQ: i64 = (1 << 53) - 1;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ServerFrame {
    Hello(Hello),
    Accepted(Accepted),
    Decision(Box<DecisionFrame>),
    Progress(Progress),
    Pong,
    Error(ErrorFrame),
    /// Valid, and of no use to a client that does not run commands.
    ExecAck,
}

/// Sent once after the handshake: the server's limits.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hello {
    pub(crate) limits: Limits,
}

/// The command is pending a human (`resumed` when an earlier submit was resumed).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Accepted {
    pub(crate) request_id: String,
    pub(crate) command_id: String,
    pub(crate) expires_at: f64,
}

/// A pending command got a partial approval or was escalated; never a decision.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Progress {
    pub(crate) request_id: String,
    pub(crate) command_id: String,
    pub(crate) escalated: bool,
    pub(crate) expires_at: f64,
}

/// The server refused a frame; nothing was created, decided or cancelled.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ErrorFrame {
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) request_id: Option<String>,
}

impl ErrorFrame {
    /// The error a run returns when the server refused its command.
    pub(crate) fn refused(&self) -> Error {
        let what = if self.message.is_empty() { &self.code } else { &self.message };
        Error::Protocol {
            code: Some(self.code.clone()),
            message: format!("the server refused the command: {what} ({})", self.code),
            request_id: self.request_id.clone(),
        }
    }
}

/// The final decision on a command, validated: `approved` agrees with `decision`, and an
/// edit names a non-blank command. `command` is the server's copy (None from servers that
/// predate it); it only counts when `edited` is true.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DecisionFrame {
    pub(crate) request_id: String,
    pub(crate) command_id: String,
    pub(crate) approved: bool,
    pub(crate) decision: DecisionState,
    pub(crate) latency_ms: f64,
    pub(crate) reviewer: Option<String>,
    pub(crate) notes: Option<String>,
    pub(crate) whitelisted: bool,
    pub(crate) rule_id: Option<String>,
    pub(crate) risk_score: u8,
    pub(crate) anomalies: Vec<String>,
    pub(crate) command: Option<String>,
    pub(crate) edited: bool,
    pub(crate) approvers: Vec<String>,
}

impl DecisionFrame {
    /// The public Decision for the command that was submitted as `command`.
    pub(crate) fn into_decision(self, command: &str) -> Result<Decision, Error> {
        let run = match (self.edited, self.command) {
            (false, _) => command.to_owned(),
            (true, Some(edited)) if !edited.trim().is_empty() => edited,
            (true, _) => {
                return Err(Error::invalid_frame(
                    "the server reported an edit without the edited command".to_owned(),
                    Some(self.request_id),
                ));
            }
        };
        Ok(Decision {
            approved: self.approved,
            decision: self.decision,
            command_id: self.command_id,
            command: run,
            edited: self.edited,
            original_command: command.to_owned(),
            reviewer: self.reviewer,
            notes: self.notes,
            whitelisted: self.whitelisted,
            rule_id: self.rule_id,
            risk_score: self.risk_score,
            anomalies: self.anomalies,
            approvers: self.approvers,
            latency_ms: self.latency_ms,
            request_id: self.request_id,
        })
    }
}

/// Parse one text frame from the server, or the protocol error that makes it invalid
/// (carrying the frame's `request_id` when it had one, to fail the right run).
pub(crate) fn parse_server_frame(text: &str) -> Result<ServerFrame, Error> {
    let value =
        parse_strict(text).map_err(|why| Error::invalid_frame(format!("the server sent invalid JSON: {why}"), None))?;
    let Value::Object(object) = &value else {
        return Err(Error::invalid_frame("the server sent a frame that is not a JSON object".to_owned(), None));
    };
    let kind = object.get("type").and_then(Value::as_str);
    let fields = Fields::new(object, kind.map_or_else(|| "frame".to_owned(), |k| format!("{k} frame")));
    match kind {
        Some("hello") => hello(&fields),
        Some("accepted") => accepted(&fields),
        Some("decision") => decision(&fields),
        Some("progress") => progress(&fields),
        Some("pong") => fields.opt_text("nonce", false).map(|_| ServerFrame::Pong),
        Some("error") => error(&fields),
        Some("exec_ack") => exec_ack(&fields),
        _ => Err(fields.invalid(&format!("unknown frame type {}", object.get("type").unwrap_or(&Value::Null)))),
    }
}

fn hello(f: &Fields) -> Result<ServerFrame, Error> {
    f.text("protocol")?;
    f.opt_text("server", false)?;
    f.mapping("agent")?;
    f.mapping("org")?;
    Ok(ServerFrame::Hello(Hello { limits: Limits::from_hello(f.mapping("limits")?) }))
}

fn accepted(f: &Fields) -> Result<ServerFrame, Error> {
    let frame = Accepted {
        request_id: f.text("request_id")?,
        command_id: f.text("command_id")?,
        expires_at: f.timestamp("expires_at")?,
    };
    f.text("status")?;
    f.flag("resumed")?;
    Ok(ServerFrame::Accepted(frame))
}

fn decision(f: &Fields) -> Result<ServerFrame, Error> {
    let approved = f.flag("approved")?;
    let state = f.text("decision")?;
    let decision =
        DecisionState::from_wire(&state).ok_or_else(|| f.invalid(&format!("decision: unknown state {state:?}")))?;
    if approved != (decision == DecisionState::Approved) {
        // The gate fails closed: a contradictory frame is never an approval.
        return Err(f.invalid(&format!("approved is {approved} but decision is {state:?}")));
    }
    // Older servers send neither; an edit must name what to run, or nothing may run.
    let command = f.opt_text("command", false)?;
    let edited = f.flag_or("edited", false)?;
    if edited && command.as_deref().is_none_or(|c| c.trim().is_empty()) {
        return Err(f.invalid("edited is true but command is missing or blank"));
    }
    Ok(ServerFrame::Decision(Box::new(DecisionFrame {
        request_id: f.text("request_id")?,
        command_id: f.text("command_id")?,
        approved,
        decision,
        latency_ms: f.number("latency_ms")?,
        reviewer: f.opt_text("reviewer", true)?,
        notes: f.opt_text("notes", true)?,
        whitelisted: f.flag("whitelisted")?,
        rule_id: f.opt_text("rule_id", true)?,
        risk_score: u8::try_from(f.integer("risk_score", 0, 100)?).map_err(|_| f.invalid("risk_score"))?,
        anomalies: f.text_list("anomalies")?,
        command,
        edited,
        approvers: f.text_list_or_empty("approvers")?,
    })))
}

fn progress(f: &Fields) -> Result<ServerFrame, Error> {
    f.integer("approvals", 0, MAX_APPROVALS)?;
    f.integer("required", 1, MAX_APPROVALS)?;
    f.text_list("approvers")?;
    Ok(ServerFrame::Progress(Progress {
        request_id: f.text("request_id")?,
        command_id: f.text("command_id")?,
        escalated: f.flag("escalated")?,
        expires_at: f.timestamp("expires_at")?,
    }))
}

fn error(f: &Fields) -> Result<ServerFrame, Error> {
    f.mapping("details")?;
    Ok(ServerFrame::Error(ErrorFrame {
        code: f.text("code")?,
        message: f.opt_text("message", false)?.unwrap_or_default(),
        request_id: f.opt_text("request_id", false)?,
    }))
}

fn exec_ack(f: &Fields) -> Result<ServerFrame, Error> {
    f.text("command_id")?;
    f.integer("seq", 0, MAX_SEQ)?;
    f.text("recording_id")?;
    f.flag("capture_input")?;
    Ok(ServerFrame::ExecAck)
}
