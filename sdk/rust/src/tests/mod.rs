//! Tests of the wire format that need the crate's private frame builders and parser:
//! every conformance vector of protocol/vectors, replayed.

mod decisions;
mod fail_closed;
mod frame_vectors;
#[cfg(feature = "live-tests")]
mod live_vectors;
mod vectors;
