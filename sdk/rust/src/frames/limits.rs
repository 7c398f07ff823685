//! The limits a submit must respect, from the connection's `hello`.

use serde_json::{Map, Value};

/// The protocol's ceiling for `timeout_seconds`.
pub(crate) const MAX_TIMEOUT_SECONDS: u64 = 600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) max_command_bytes: usize,
    pub(crate) max_frame_bytes: usize,
    pub(crate) max_metadata_bytes: usize,
    /// The organisation's timeout: how long a human has when a run sets none.
    pub(crate) timeout_seconds: Option<u64>,
}

impl Default for Limits {
    /// The protocol's defaults, until a `hello` says otherwise.
    fn default() -> Self {
        Limits {
            max_command_bytes: 65_536,
            max_frame_bytes: 1_048_576,
            max_metadata_bytes: 16_384,
            timeout_seconds: None,
        }
    }
}

impl Limits {
    /// `hello.limits`; a missing or odd value keeps the default, like an unknown field.
    pub(crate) fn from_hello(limits: &Map<String, Value>) -> Self {
        let defaults = Limits::default();
        let size = |key: &str, fallback: usize| {
            limits
                .get(key)
                .and_then(Value::as_u64)
                .filter(|value| *value > 0)
                .and_then(|value| usize::try_from(value).ok())
                .unwrap_or(fallback)
        };
        Limits {
            max_command_bytes: size("max_command_bytes", defaults.max_command_bytes),
            max_frame_bytes: size("max_frame_bytes", defaults.max_frame_bytes),
            max_metadata_bytes: size("max_metadata_bytes", defaults.max_metadata_bytes),
            timeout_seconds: limits
                .get("timeout_seconds")
                .and_then(Value::as_u64)
                .filter(|seconds| (1..=MAX_TIMEOUT_SECONDS).contains(seconds)),
        }
    }
}
