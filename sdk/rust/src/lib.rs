//! expacti: ask a human before an AI agent runs a command.
//!
//! ```no_run
//! # async fn example() -> Result<(), expacti::Error> {
//! let client = expacti::Client::connect("ws://localhost:3001/shell/ws", "demo-shell-token").await?;
//! let decision = client.run("terraform apply").await?; // Err unless a human approved
//! # Ok(()) }
//! ```
//!
//! [`Client::run`] returns a [`Decision`] only for an approval; run
//! [`decision.command`](Decision::command), which a reviewer may have edited. A denial, a
//! timeout or any doubt is an [`Error`], so the command cannot run by mistake.
//!
//! Dropping a run's future cancels the command on the server: the `cancel` is sent at once
//! when the client is connected, else right after it reconnects; if it never does, the
//! server cancels the command when its resume window ends. [`Client::close`] returns
//! within 4 s.
//!
//! The wire protocol is docs/PROTOCOL.md of the expacti repository.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod backoff;
mod builder;
mod client;
mod decision;
mod error;
mod fields;
mod frames;
mod json;
mod link;
mod options;
mod pending;
mod timestamp;

#[cfg(test)]
mod tests;

pub use builder::ClientBuilder;
pub use client::Client;
pub use decision::{Decision, DecisionState};
pub use error::Error;
pub use options::{RunOptions, Session, SessionStatus};
