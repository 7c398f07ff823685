//! What comes from the server: each frame routed to its run, the connection's loss and the
//! close codes reconnecting cannot cure, the heartbeat.

use tokio::time::timeout;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};

use super::{CLOSE_TIMEOUT, Event, Link, Open, STABLE, State};
use crate::error::Error;
use crate::frames::{ServerFrame, parse_server_frame, ping_frame};

impl Link {
    pub(super) async fn message(&mut self, message: Option<Result<Message, tungstenite::Error>>) {
        let State::Open(open) = &mut self.state else { return };
        match message {
            Some(Ok(Message::Text(text))) => self.dispatch(&text).await,
            Some(Ok(Message::Binary(_))) => {
                self.untrusted("the server sent a binary frame; protocol v1 is text only").await;
            }
            // The socket answers the close; the stream ends next.
            Some(Ok(Message::Close(frame))) => open.close = frame,
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
            Some(Err(error)) => {
                open.too_big = matches!(error, tungstenite::Error::Capacity(_));
                self.lost();
            }
            None => self.lost(),
        }
    }

    /// Hand one frame to the run waiting for it.
    async fn dispatch(&mut self, text: &str) {
        let frame = match parse_server_frame(text) {
            Ok(frame) => frame,
            Err(Error::Protocol { request_id: Some(request_id), message, .. }) => {
                let error = Error::invalid_frame(message, Some(request_id.clone()));
                return self.finish(&request_id, Event::Failed(error));
            }
            // Nobody can tell whose frame it was: every run fails, closed.
            Err(error) => return self.untrusted(&error.to_string()).await,
        };
        match frame {
            ServerFrame::Hello(hello) => self.apply_limits(hello.limits),
            ServerFrame::Accepted(accepted) => {
                let request_id = accepted.request_id.clone();
                self.route(&request_id, Event::Accepted(accepted));
            }
            ServerFrame::Progress(progress) => {
                let request_id = progress.request_id.clone();
                self.route(&request_id, Event::Progress(progress));
            }
            ServerFrame::Decision(decision) => {
                let request_id = decision.request_id.clone();
                self.finish(&request_id, Event::Decision(decision));
            }
            ServerFrame::Error(error) => match error.request_id.clone() {
                // The run retries the same request_id after a backoff.
                Some(request_id) if error.code == "unavailable" => self.route(&request_id, Event::Refused(error)),
                Some(request_id) => self.finish(&request_id, Event::Refused(error)),
                // About a frame without a request_id (a session_end): nobody waits for it.
                None => {}
            },
            ServerFrame::Pong => {
                if let State::Open(open) = &mut self.state {
                    open.awaiting_pong = false;
                }
            }
            ServerFrame::ExecAck => {}
        }
    }

    fn route(&self, request_id: &str, event: Event) {
        if let Some(waiter) = self.waiters.get(request_id).filter(|w| !w.done) {
            waiter.tell(event);
        }
    }

    /// The run's last event: its submit is never sent again.
    fn finish(&mut self, request_id: &str, event: Event) {
        if let Some(waiter) = self.waiters.get_mut(request_id).filter(|w| !w.done) {
            waiter.done = true;
            waiter.tell(event);
        }
    }

    pub(super) fn fail_all(&mut self, error: &Error) {
        for waiter in self.waiters.values_mut().filter(|w| !w.done) {
            waiter.done = true;
            waiter.tell(Event::Failed(error.clone()));
        }
        for (_, done) in self.session_ends.drain(..) {
            let _ = done.send(Err(error.clone()));
        }
    }

    /// A frame nobody can trust: fail every run with a protocol error, drop the connection.
    /// Its commands may still be pending: cancelled first, while the connection is there.
    async fn untrusted(&mut self, message: &str) {
        let sent: Vec<String> = self
            .waiters
            .iter_mut()
            .filter(|(_, w)| w.sent && !w.done && !w.cancelled)
            .map(|(request_id, waiter)| {
                waiter.cancelled = true;
                request_id.clone()
            })
            .collect();
        for request_id in sent {
            self.cancel(&request_id, "invalid frame from the server").await;
        }
        for (request_id, waiter) in self.waiters.iter_mut().filter(|(_, w)| !w.done) {
            waiter.done = true;
            waiter.tell(Event::Failed(Error::invalid_frame(message.to_owned(), Some(request_id.clone()))));
        }
        if let State::Open(open) = &mut self.state {
            let close = CloseFrame { code: CloseCode::Protocol, reason: "invalid frame".into() };
            let _ = timeout(CLOSE_TIMEOUT, open.socket.close(Some(close))).await;
            open.close = None;
        }
        self.lost();
    }

    /// The connection is gone: reconnect for whoever still waits, unless reconnecting
    /// cannot help (the token was revoked, a frame was too large).
    pub(super) fn lost(&mut self) {
        let State::Open(open) = std::mem::replace(&mut self.state, State::Idle) else { return };
        self.failures = if open.opened_at.elapsed() >= STABLE { 1 } else { self.failures + 1 };
        if let Some(error) = terminal(&open) {
            self.cancels.clear();
            return self.fail_all(&error);
        }
        let mut waiting = !self.session_ends.is_empty() || !self.cancels.is_empty();
        for waiter in self.waiters.values().filter(|w| !w.done) {
            waiter.tell(Event::Lost);
            waiting = true;
        }
        if waiting {
            self.start_connecting();
        }
    }

    pub(super) async fn heartbeat(&mut self) {
        let State::Open(open) = &mut self.state else { return };
        if open.awaiting_pong {
            // A link that died silently (no FIN) would otherwise only be noticed at the deadline.
            return self.lost();
        }
        open.awaiting_pong = true;
        // An application-level ping: its pong comes through the server's frame handling,
        // which proves more of the server alive than a protocol-level one.
        self.send(ping_frame(None)).await;
    }
}

/// The error for every run after a close that reconnecting cannot cure.
fn terminal(open: &Open) -> Option<Error> {
    let code = open.close.as_ref().map(|close| close.code);
    if code == Some(CloseCode::Policy) {
        let reason = open.close.as_ref().map(|c| format!(": {}", c.reason)).unwrap_or_default();
        let message =
            format!("the server closed the connection: the token was revoked or refused (close code 1008{reason})");
        return Some(Error::Authentication { status: 401, message });
    }
    if open.too_big || code == Some(CloseCode::Size) {
        let what = if open.too_big { "a frame from the server" } else { "a frame from the client" };
        let message = format!("the connection was closed because {what} was too large (close code 1009)");
        return Some(Error::invalid_frame(message, None));
    }
    None
}
