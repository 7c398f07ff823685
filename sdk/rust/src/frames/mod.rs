//! Wire frames of protocol v1 (docs/PROTOCOL.md): strict parsing in, checked compact JSON
//! out.

mod client;
mod limits;
mod server;

pub(crate) use client::{Submit, cancel_frame, check_frame_size, ping_frame, session_end_frame, submit_frame};
pub(crate) use limits::{Limits, MAX_TIMEOUT_SECONDS};
pub(crate) use server::{Accepted, DecisionFrame, ErrorFrame, Hello, Progress, ServerFrame, parse_server_frame};
