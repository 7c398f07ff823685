//! The conformance vectors of protocol/vectors, read at test time, and how the SDK builds
//! the client ones.

use std::sync::LazyLock;

use serde_json::{Map, Value};

use crate::error::Error;
use crate::frames::{Limits, Submit, cancel_frame, ping_frame, session_end_frame, submit_frame};
use crate::options::{Session, SessionStatus};

pub(super) struct Case {
    pub(super) name: String,
    pub(super) frame: Option<Map<String, Value>>,
    pub(super) raw: Option<String>,
    pub(super) expand: Map<String, Value>,
    pub(super) expect: Map<String, Value>,
}

fn load(name: &str) -> Vec<Case> {
    let path = format!("{}/../../protocol/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let file: Value = serde_json::from_str(&text).unwrap();
    let object = |case: &Value, key: &str| case.get(key).and_then(Value::as_object).cloned();
    file["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| Case {
            name: case["name"].as_str().unwrap().to_owned(),
            frame: object(case, "frame"),
            raw: case.get("raw").and_then(Value::as_str).map(str::to_owned),
            expand: object(case, "expand").unwrap_or_default(),
            expect: object(case, "expect").unwrap(),
        })
        .collect()
}

pub(super) static SERVER_CASES: LazyLock<Vec<Case>> = LazyLock::new(|| load("server_frames.json"));
pub(super) static CLIENT_CASES: LazyLock<Vec<Case>> = LazyLock::new(|| load("client_frames.json"));

/// Server errors that depend on the server's state, not on the frame: the frame is fine.
pub(super) const STATEFUL: [&str; 2] = ["not_found", "request_id_conflict"];

/// The frame types this SDK sends; `exec_*` belong to `execute`, which it does not have.
const SENT_TYPES: [&str; 4] = ["submit", "cancel", "ping", "session_end"];

impl Case {
    /// The case's frame with `expand` applied (long strings written out).
    pub(super) fn expanded(&self) -> Map<String, Value> {
        let mut frame = self.frame.clone().unwrap_or_default();
        for (key, spec) in &self.expand {
            let text = spec["repeat"].as_str().unwrap().repeat(spec["count"].as_u64().unwrap() as usize);
            let value = if spec.get("as").and_then(Value::as_str) == Some("object_value") {
                serde_json::json!({ "value": text })
            } else {
                Value::String(text)
            };
            frame.insert(key.clone(), value);
        }
        frame
    }

    /// Why the SDK cannot build this case by design, or None.
    pub(super) fn out_of_reach(&self) -> Option<&'static str> {
        if self.raw.is_some() {
            return Some("raw text");
        }
        let frame = self.frame.as_ref()?;
        match frame.get("type").and_then(Value::as_str) {
            Some(kind) if SENT_TYPES.contains(&kind) => {}
            _ => return Some("a type the SDK never sends"),
        }
        if frame.contains_key("encrypted") {
            return Some("end-to-end encrypted");
        }
        None
    }

    /// The error code the server answers with, if any.
    pub(super) fn error(&self) -> Option<&str> {
        self.expect.get("error").and_then(Value::as_str)
    }

    /// Whether the server answers whatever the SDK's own checks say: it has to build.
    pub(super) fn buildable(&self) -> bool {
        self.out_of_reach().is_none() && self.error().is_none_or(|code| STATEFUL.contains(&code))
    }
}

/// What the SDK makes of a vector's frame.
#[derive(Debug)]
pub(super) enum Built {
    /// The frame, as it would be sent.
    Frame(String),
    /// Refused by the SDK's checks before sending.
    Refused(Error),
    /// A value the typed API cannot even express (a number for a string, a missing
    /// required field): refused at compile time.
    Untyped(String),
}

/// Build the vector's frame with the SDK's builder for its type.
pub(super) fn build(frame: &Map<String, Value>) -> Built {
    match typed_build(frame) {
        Ok(Ok(text)) => Built::Frame(text),
        Ok(Err(error)) => Built::Refused(error),
        Err(why) => Built::Untyped(why),
    }
}

fn typed_build(frame: &Map<String, Value>) -> Result<Result<String, Error>, String> {
    Ok(match frame["type"].as_str() {
        Some("submit") => {
            let session = optional(frame, "session", session)?;
            let context = frame.get("context").filter(|v| !v.is_null());
            let submit = Submit {
                request_id: text(frame, "request_id")?,
                command: text(frame, "command")?,
                target: optional(frame, "target", |v| v.as_str())?,
                timeout_seconds: optional(frame, "timeout_seconds", Value::as_u64)?,
                session: session.as_ref(),
                context,
            };
            submit_frame(&submit, &Limits::default())
        }
        Some("cancel") => cancel_frame(text(frame, "request_id")?, optional(frame, "reason", |v| v.as_str())?),
        Some("ping") => Ok(ping_frame(optional(frame, "nonce", |v| v.as_str())?)),
        Some("session_end") => {
            let status = match text(frame, "status")? {
                "completed" => SessionStatus::Completed,
                "failed" => SessionStatus::Failed,
                other => return Err(format!("no SessionStatus is {other:?}")),
            };
            session_end_frame(text(frame, "session_id")?, status)
        }
        other => panic!("the SDK never sends a {other:?} frame"),
    })
}

fn text<'a>(frame: &'a Map<String, Value>, key: &str) -> Result<&'a str, String> {
    frame.get(key).and_then(Value::as_str).ok_or_else(|| format!("{key} is not a string"))
}

/// Absent or null: None; else `read` must make sense of it.
fn optional<'a, T>(
    frame: &'a Map<String, Value>,
    key: &str,
    read: impl Fn(&'a Value) -> Option<T>,
) -> Result<Option<T>, String> {
    match frame.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => read(value).map(Some).ok_or_else(|| format!("{key} has the wrong type")),
    }
}

fn session(value: &Value) -> Option<Session> {
    let object = value.as_object()?;
    let steps = match object.get("steps") {
        None | Some(Value::Null) => None,
        Some(steps) => Some(steps.as_array()?.iter().map(|s| s.as_str().map(str::to_owned)).collect::<Option<_>>()?),
    };
    Some(Session {
        id: object.get("id")?.as_str()?.to_owned(),
        goal: object.get("goal").and_then(Value::as_str).map(str::to_owned),
        steps,
        current_step: object.get("current_step").and_then(Value::as_u64).map(|step| step as u32),
    })
}

/// The frame as the SDK sends it: unknown fields and nulls left out.
pub(super) fn known(frame: &Map<String, Value>) -> Value {
    const FIELDS: [&str; 11] = [
        "type",
        "request_id",
        "command",
        "target",
        "timeout_seconds",
        "session",
        "context",
        "reason",
        "nonce",
        "session_id",
        "status",
    ];
    frame
        .iter()
        .filter(|(key, value)| FIELDS.contains(&key.as_str()) && !value.is_null())
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect::<Map<_, _>>()
        .into()
}
