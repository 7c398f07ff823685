//! Typed access to one JSON object of a server frame; every failure is a protocol error.
//!
//! A field read with a fallback may be absent; present, it must have the right type (a
//! null where a value is promised is invalid).

use serde_json::{Map, Value};

use crate::error::Error;
use crate::timestamp::parse_timestamp;

pub(crate) struct Fields<'a> {
    object: &'a Map<String, Value>,
    /// Names the object in messages ("decision frame").
    what: String,
    request_id: Option<String>,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(object: &'a Map<String, Value>, what: String) -> Self {
        let request_id = object.get("request_id").and_then(Value::as_str).map(str::to_owned);
        Fields { object, what, request_id }
    }

    pub(crate) fn invalid(&self, problem: &str) -> Error {
        Error::invalid_frame(format!("the server sent an invalid {}: {problem}", self.what), self.request_id.clone())
    }

    fn required(&self, key: &str) -> Result<&'a Value, Error> {
        self.object.get(key).ok_or_else(|| self.invalid(&format!("{key}: required field missing")))
    }

    pub(crate) fn text(&self, key: &str) -> Result<String, Error> {
        match self.required(key)? {
            Value::String(text) => Ok(text.clone()),
            _ => Err(self.invalid(&format!("{key}: expected a string"))),
        }
    }

    /// A string or null; `required`: the field must be there, even if null.
    pub(crate) fn opt_text(&self, key: &str, required: bool) -> Result<Option<String>, Error> {
        let value = if required { Some(self.required(key)?) } else { self.object.get(key) };
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(self.invalid(&format!("{key}: expected a string or null"))),
        }
    }

    pub(crate) fn flag(&self, key: &str) -> Result<bool, Error> {
        match self.required(key)? {
            Value::Bool(flag) => Ok(*flag),
            _ => Err(self.invalid(&format!("{key}: expected a boolean"))),
        }
    }

    /// `fallback` when absent (fields older servers do not send).
    pub(crate) fn flag_or(&self, key: &str, fallback: bool) -> Result<bool, Error> {
        if self.object.contains_key(key) { self.flag(key) } else { Ok(fallback) }
    }

    /// A JSON integer (not `1.0`, not `true`) from `low` to `high`.
    pub(crate) fn integer(&self, key: &str, low: i64, high: i64) -> Result<i64, Error> {
        self.required(key)?
            .as_i64()
            .filter(|value| (low..=high).contains(value))
            .ok_or_else(|| self.invalid(&format!("{key}: expected an integer from {low} to {high}")))
    }

    /// A finite number >= 0.
    pub(crate) fn number(&self, key: &str) -> Result<f64, Error> {
        self.required(key)?
            .as_f64()
            .filter(|value| value.is_finite() && *value >= 0.0)
            .ok_or_else(|| self.invalid(&format!("{key}: expected a non-negative number")))
    }

    /// An object; absent or null is an empty one.
    pub(crate) fn mapping(&self, key: &str) -> Result<&'a Map<String, Value>, Error> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        match self.object.get(key) {
            None | Some(Value::Null) => Ok(EMPTY.get_or_init(Map::new)),
            Some(Value::Object(object)) => Ok(object),
            Some(_) => Err(self.invalid(&format!("{key}: expected an object"))),
        }
    }

    pub(crate) fn text_list(&self, key: &str) -> Result<Vec<String>, Error> {
        let items = match self.required(key)? {
            Value::Array(items) => items,
            _ => return Err(self.invalid(&format!("{key}: expected an array of strings"))),
        };
        items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| self.invalid(&format!("{key}: expected an array of strings")))
    }

    /// An empty list when absent (fields older servers do not send).
    pub(crate) fn text_list_or_empty(&self, key: &str) -> Result<Vec<String>, Error> {
        if self.object.contains_key(key) { self.text_list(key) } else { Ok(Vec::new()) }
    }

    /// An ISO 8601 timestamp with a time zone, as seconds since the Unix epoch.
    pub(crate) fn timestamp(&self, key: &str) -> Result<f64, Error> {
        let text = self.text(key)?;
        parse_timestamp(&text)
            .ok_or_else(|| self.invalid(&format!("{key}: expected an ISO 8601 timestamp with a time zone")))
    }
}
