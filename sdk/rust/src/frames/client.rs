//! Frames the client sends, checked before they leave.
//!
//! Whatever the server would refuse with `invalid_frame`, `command_too_large` or
//! `payload_too_large` is an [`Error::InvalidArgument`] here instead, and nothing is sent.

use serde_json::{Map, Value, json};

use super::limits::{Limits, MAX_TIMEOUT_SECONDS};
use crate::error::Error;
use crate::options::{Session, SessionStatus};

const MAX_REQUEST_ID_CHARS: usize = 128;
const MAX_TARGET_CHARS: usize = 255;
const MAX_SESSION_ID_CHARS: usize = 128;

/// The fields of a `submit` frame.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Submit<'a> {
    pub(crate) request_id: &'a str,
    pub(crate) command: &'a str,
    pub(crate) target: Option<&'a str>,
    pub(crate) timeout_seconds: Option<u64>,
    pub(crate) session: Option<&'a Session>,
    pub(crate) context: Option<&'a Value>,
}

/// A `submit` frame as compact JSON, checked against `limits`; optional fields that are
/// None are left out.
pub(crate) fn submit_frame(submit: &Submit, limits: &Limits) -> Result<String, Error> {
    check_request_id(submit.request_id)?;
    check_command(submit.command, limits)?;
    let mut frame = Map::new();
    frame.insert("type".into(), "submit".into());
    frame.insert("request_id".into(), submit.request_id.into());
    frame.insert("command".into(), submit.command.into());
    if let Some(target) = submit.target {
        if target.chars().count() > MAX_TARGET_CHARS {
            return Err(invalid(format!("target must be at most {MAX_TARGET_CHARS} characters")));
        }
        frame.insert("target".into(), target.into());
    }
    if let Some(seconds) = submit.timeout_seconds {
        if !(1..=MAX_TIMEOUT_SECONDS).contains(&seconds) {
            return Err(invalid(format!("timeout_seconds must be from 1 to {MAX_TIMEOUT_SECONDS}, not {seconds}")));
        }
        frame.insert("timeout_seconds".into(), seconds.into());
    }
    let session = submit.session.map(session_object).transpose()?;
    if let Some(context) = submit.context {
        if !context.is_object() {
            return Err(invalid("context must be a JSON object".to_owned()));
        }
    }
    if session.is_some() || submit.context.is_some() {
        let size = ascii_json_bytes(&json!([session, submit.context]));
        if size > limits.max_metadata_bytes {
            return Err(invalid(format!(
                "session and context are {size} bytes of JSON; the server takes at most {}",
                limits.max_metadata_bytes
            )));
        }
    }
    if let Some(session) = session {
        frame.insert("session".into(), session);
    }
    if let Some(context) = submit.context {
        frame.insert("context".into(), context.clone());
    }
    let text = Value::Object(frame).to_string();
    check_frame_size(&text, limits)?;
    Ok(text)
}

/// The server closes the connection (1009) on an oversized frame, for every run on it.
pub(crate) fn check_frame_size(frame: &str, limits: &Limits) -> Result<(), Error> {
    if frame.len() > limits.max_frame_bytes {
        return Err(invalid(format!(
            "the submit frame is {} bytes; the server takes at most {}",
            frame.len(),
            limits.max_frame_bytes
        )));
    }
    Ok(())
}

/// A `cancel` frame naming the command by its `request_id`.
pub(crate) fn cancel_frame(request_id: &str, reason: Option<&str>) -> Result<String, Error> {
    check_request_id(request_id)?;
    let mut frame = json!({"type": "cancel", "request_id": request_id});
    if let Some(reason) = reason {
        frame["reason"] = reason.into();
    }
    Ok(frame.to_string())
}

/// An application-level `ping` frame.
pub(crate) fn ping_frame(nonce: Option<&str>) -> String {
    match nonce {
        Some(nonce) => json!({"type": "ping", "nonce": nonce}),
        None => json!({"type": "ping"}),
    }
    .to_string()
}

/// A `session_end` frame: the agent is done with the session it chose `session_id` for.
pub(crate) fn session_end_frame(session_id: &str, status: SessionStatus) -> Result<String, Error> {
    check_session_id(session_id)?;
    Ok(json!({"type": "session_end", "session_id": session_id, "status": status.as_str()}).to_string())
}

fn check_request_id(request_id: &str) -> Result<(), Error> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-');
    if request_id.is_empty() || request_id.len() > MAX_REQUEST_ID_CHARS || !request_id.chars().all(allowed) {
        return Err(invalid(format!("request_id must be 1-{MAX_REQUEST_ID_CHARS} characters of A-Z a-z 0-9 . _ : -")));
    }
    Ok(())
}

/// Not blank, no NUL, at most `max_command_bytes` of UTF-8.
fn check_command(command: &str, limits: &Limits) -> Result<(), Error> {
    if command.len() > limits.max_command_bytes {
        return Err(invalid(format!(
            "command is {} bytes; the server takes at most {}",
            command.len(),
            limits.max_command_bytes
        )));
    }
    if command.trim().is_empty() {
        return Err(invalid("command must not be blank".to_owned()));
    }
    if command.contains('\0') {
        return Err(invalid("command must not contain NUL characters".to_owned()));
    }
    Ok(())
}

fn check_session_id(id: &str) -> Result<(), Error> {
    if id.is_empty() || id.chars().count() > MAX_SESSION_ID_CHARS {
        return Err(invalid(format!("session id must be 1-{MAX_SESSION_ID_CHARS} characters")));
    }
    Ok(())
}

fn session_object(session: &Session) -> Result<Value, Error> {
    check_session_id(&session.id)?;
    let mut object = Map::new();
    object.insert("id".into(), session.id.clone().into());
    if let Some(goal) = &session.goal {
        object.insert("goal".into(), goal.clone().into());
    }
    if let Some(steps) = &session.steps {
        object.insert("steps".into(), steps.clone().into());
    }
    if let Some(step) = session.current_step {
        object.insert("current_step".into(), step.into());
    }
    Ok(Value::Object(object))
}

/// The size of `value` as the server measures it: compact JSON with every non-ASCII
/// character escaped (`\uXXXX`, six bytes per UTF-16 unit).
fn ascii_json_bytes(value: &Value) -> usize {
    value.to_string().chars().map(|c| if c.is_ascii() { 1 } else { 6 * c.len_utf16() }).sum()
}

fn invalid(message: String) -> Error {
    Error::InvalidArgument(message)
}
