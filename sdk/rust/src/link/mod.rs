//! The client's one WebSocket, owned by one task: it sends what the runs ask it to,
//! routes every frame to the run waiting for it (by `request_id`), and reconnects and
//! re-sends every waiting submit when the connection drops.

mod incoming;
mod socket;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, Interval, MissedTickBehavior, interval_at, timeout};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message};

pub(crate) use socket::{Opened, Settings, connect, tls_config};

use crate::error::Error;
use crate::frames::{Accepted, DecisionFrame, ErrorFrame, Limits, Progress, cancel_frame, check_frame_size};
use socket::Socket;

/// A connection that lived this long resets the backoff.
const STABLE: Duration = Duration::from_secs(10);
/// A connection that does not answer a ping within this long is dropped (and resumed).
const PING_INTERVAL: Duration = Duration::from_secs(20);
/// How long a closing handshake may take before the socket is dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// The most `Client::close` takes: the cancels and the closing handshake together.
pub(crate) const CLOSE_BOUND: Duration = Duration::from_secs(4);

/// What the client asks of the connection task.
pub(crate) enum Command {
    /// Send this submit now, and again after every reconnect, until the run finishes.
    Submit { request_id: String, frame: String, events: mpsc::UnboundedSender<Event> },
    /// The server could not store the command (`unavailable`): send the submit again.
    Resend { request_id: String },
    /// The run is over; `cancel`: ask the server to cancel the command, for this reason.
    Finish { request_id: String, cancel: Option<&'static str> },
    /// Send a `session_end` frame, reconnecting if needed.
    SessionEnd { frame: String, done: oneshot::Sender<Result<(), Error>> },
    /// Cancel what waits, fail it with "client closed", close the socket, stop.
    Close { done: oneshot::Sender<()> },
}

/// What the connection task tells a waiting run.
#[derive(Debug)]
pub(crate) enum Event {
    /// The submit went out (again) on a connection.
    Sent(Instant),
    /// That connection was lost; the task is reconnecting.
    Lost,
    /// The organisation's timeout, from a `hello`.
    Policy(u64),
    Accepted(Accepted),
    Progress(Progress),
    Decision(Box<DecisionFrame>),
    Refused(ErrorFrame),
    /// The run cannot go on: this is its error.
    Failed(Error),
}

struct Waiter {
    frame: String,
    events: mpsc::UnboundedSender<Event>,
    /// The server may know the command: a cancel makes sense.
    sent: bool,
    /// Its cancel is out (or queued) already.
    cancelled: bool,
    /// Decided or failed: never sent again.
    done: bool,
}

impl Waiter {
    fn tell(&self, event: Event) {
        // A run that stopped listening sends Finish; nothing to do until then.
        let _ = self.events.send(event);
    }
}

type Connecting = Pin<Box<dyn Future<Output = (Result<Opened, Error>, u32)> + Send>>;

enum State {
    Idle,
    Connecting(Connecting),
    Open(Box<Open>),
}

struct Open {
    socket: Socket,
    opened_at: Instant,
    heartbeat: Interval,
    awaiting_pong: bool,
    /// A write failed: the connection is lost.
    broken: bool,
    /// The server's close frame, once one came.
    close: Option<CloseFrame>,
    /// The server sent a frame larger than the client takes.
    too_big: bool,
}

enum Step {
    Command(Command),
    Connected(Box<Result<Opened, Error>>, u32),
    Message(Option<Result<Message, tungstenite::Error>>),
    Heartbeat,
    Shutdown,
}

pub(crate) struct Link {
    settings: Arc<Settings>,
    limits: Arc<Mutex<Limits>>,
    waiters: HashMap<String, Waiter>,
    session_ends: Vec<(String, oneshot::Sender<Result<(), Error>>)>,
    /// `cancel` frames that found no connection: sent right after the next `hello`, or
    /// the server would keep those commands approvable for its resume window.
    cancels: Vec<String>,
    failures: u32,
    state: State,
    /// `Close` was handled: the task ends.
    stopped: bool,
}

impl Link {
    /// Start the task on an open connection; the sender is how the client talks to it.
    /// The task stops after `Close`, or once every sender is gone.
    pub(crate) fn spawn(
        settings: Arc<Settings>,
        limits: Arc<Mutex<Limits>>,
        opened: Opened,
    ) -> mpsc::UnboundedSender<Command> {
        let (sender, commands) = mpsc::unbounded_channel();
        let mut link = Link {
            settings,
            limits,
            waiters: HashMap::new(),
            session_ends: Vec::new(),
            cancels: Vec::new(),
            failures: 0,
            state: State::Idle,
            stopped: false,
        };
        link.use_connection(opened);
        tokio::spawn(link.run(commands));
        sender
    }

    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        loop {
            let step = match &mut self.state {
                State::Idle => commands.recv().await.map_or(Step::Shutdown, Step::Command),
                State::Connecting(connecting) => tokio::select! {
                    command = commands.recv() => command.map_or(Step::Shutdown, Step::Command),
                    (result, failures) = connecting => Step::Connected(Box::new(result), failures),
                },
                State::Open(open) => tokio::select! {
                    command = commands.recv() => command.map_or(Step::Shutdown, Step::Command),
                    message = open.socket.next() => Step::Message(message),
                    _ = open.heartbeat.tick() => Step::Heartbeat,
                },
            };
            match step {
                Step::Shutdown => return self.shut().await,
                Step::Command(command) => self.command(command).await,
                Step::Connected(result, failures) => self.connected(*result, failures).await,
                Step::Message(message) => self.message(message).await,
                Step::Heartbeat => self.heartbeat().await,
            }
            if self.stopped {
                return;
            }
            if matches!(&self.state, State::Open(open) if open.broken) {
                self.lost();
            }
        }
    }

    async fn command(&mut self, command: Command) {
        match command {
            Command::Submit { request_id, frame, events } => {
                let waiter = Waiter { frame, events, sent: false, cancelled: false, done: false };
                self.waiters.insert(request_id.clone(), waiter);
                self.resend(&request_id).await;
            }
            Command::Resend { request_id } => self.resend(&request_id).await,
            Command::Finish { request_id, cancel } => {
                let Some(waiter) = self.waiters.remove(&request_id) else { return };
                if let (Some(reason), true, false) = (cancel, waiter.sent, waiter.cancelled) {
                    self.cancel(&request_id, reason).await;
                }
            }
            Command::SessionEnd { frame, done } => {
                self.session_ends.push((frame, done));
                match self.state {
                    State::Open(_) => self.send_session_ends().await,
                    State::Idle => self.start_connecting(),
                    State::Connecting(_) => {}
                }
            }
            Command::Close { done } => {
                self.close().await;
                self.stopped = true;
                let _ = done.send(());
            }
        }
    }

    /// Send a waiting run's submit now if connected, else once connected.
    async fn resend(&mut self, request_id: &str) {
        match self.state {
            State::Open(_) => {}
            State::Idle => return self.start_connecting(),
            State::Connecting(_) => return,
        }
        let Some(frame) = self.waiters.get(request_id).filter(|w| !w.done).map(|w| w.frame.clone()) else {
            return;
        };
        // This connection's hello may take less than the one the frame was checked against;
        // an oversized frame would close the connection (1009) for every run.
        let limits = *self.limits.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(error) = check_frame_size(&frame, &limits) {
            return self.refuse(request_id, error).await;
        }
        let Some(waiter) = self.waiters.get_mut(request_id) else { return };
        // A write that fails may still have reached the server.
        waiter.sent = true;
        if self.send(frame).await {
            if let Some(waiter) = self.waiters.get(request_id) {
                waiter.tell(Event::Sent(Instant::now()));
            }
        }
    }

    /// Fail one run whose submit the server can no longer take; cancel what an earlier
    /// connection may have stored.
    async fn refuse(&mut self, request_id: &str, error: Error) {
        let Some(waiter) = self.waiters.get_mut(request_id) else { return };
        waiter.done = true;
        waiter.tell(Event::Failed(error));
        if waiter.sent && !waiter.cancelled {
            waiter.cancelled = true;
            self.cancel(request_id, "the submit is larger than the server now takes").await;
        }
    }

    /// Ask the server to cancel a command: now if connected, else right after the next
    /// `hello` (reconnecting for it if nothing else would).
    pub(super) async fn cancel(&mut self, request_id: &str, reason: &'static str) {
        let Ok(frame) = cancel_frame(request_id, Some(reason)) else { return };
        if !self.send(frame.clone()).await {
            self.cancels.push(frame);
            if matches!(self.state, State::Idle) {
                self.start_connecting();
            }
        }
    }

    async fn send_cancels(&mut self) {
        let mut queued = std::mem::take(&mut self.cancels).into_iter();
        while let Some(frame) = queued.next() {
            if !self.send(frame.clone()).await {
                self.cancels.push(frame);
                self.cancels.extend(queued);
                return;
            }
        }
    }

    async fn send_session_ends(&mut self) {
        let mut queued = std::mem::take(&mut self.session_ends).into_iter();
        while let Some((frame, done)) = queued.next() {
            if !self.send(frame.clone()).await {
                // Sent again after the reconnect that follows.
                self.session_ends.push((frame, done));
                self.session_ends.extend(queued);
                return;
            }
            let _ = done.send(Ok(()));
        }
    }

    /// Write one frame; false when the connection is gone (it is then lost after this step).
    /// A server that stops reading would block the write, and with it every run and
    /// `close`: a write that takes longer than a connection attempt may loses the connection.
    async fn send(&mut self, text: String) -> bool {
        let State::Open(open) = &mut self.state else { return false };
        if open.broken {
            return false;
        }
        let written = timeout(self.settings.connect_timeout, open.socket.send(Message::text(text))).await;
        if !matches!(written, Ok(Ok(()))) {
            open.broken = true;
        }
        !open.broken
    }

    fn start_connecting(&mut self) {
        self.state = State::Connecting(Box::pin(connect(self.settings.clone(), self.failures)));
    }

    async fn connected(&mut self, result: Result<Opened, Error>, failures: u32) {
        self.failures = failures;
        match result {
            Ok(opened) => {
                self.use_connection(opened);
                // Before the resubmits: each of those commands would otherwise stay
                // approvable on the server for its resume window.
                self.send_cancels().await;
                let waiting: Vec<String> =
                    self.waiters.iter().filter(|(_, w)| !w.done).map(|(id, _)| id.clone()).collect();
                for request_id in waiting {
                    self.resend(&request_id).await;
                }
                self.send_session_ends().await;
            }
            Err(error) => {
                self.state = State::Idle;
                self.cancels.clear();
                self.fail_all(&error);
            }
        }
    }

    fn use_connection(&mut self, opened: Opened) {
        self.apply_limits(opened.hello.limits);
        let mut heartbeat = interval_at(Instant::now() + PING_INTERVAL, PING_INTERVAL);
        // After a long blocked step, one ping, not a burst that would drop a live connection.
        heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        self.state = State::Open(Box::new(Open {
            socket: opened.socket,
            opened_at: Instant::now(),
            heartbeat,
            awaiting_pong: false,
            broken: false,
            close: None,
            too_big: false,
        }));
    }

    /// A `hello`'s limits bound the next submits; its policy, the deadline of every run.
    fn apply_limits(&mut self, limits: Limits) {
        *self.limits.lock().unwrap_or_else(PoisonError::into_inner) = limits;
        if let Some(policy) = limits.timeout_seconds {
            self.waiters.values().for_each(|w| w.tell(Event::Policy(policy)));
        }
    }

    /// `Client::close`: fail what waits, cancel it (best effort), close the socket; all of
    /// it within `CLOSE_BOUND`.
    async fn close(&mut self) {
        let sent: Vec<String> =
            self.waiters.iter().filter(|(_, w)| w.sent && !w.done && !w.cancelled).map(|(id, _)| id.clone()).collect();
        self.fail_all(&Error::closed());
        let _ = timeout(CLOSE_BOUND, async {
            self.send_cancels().await;
            for request_id in sent {
                if let Ok(frame) = cancel_frame(&request_id, Some("the agent closed its client")) {
                    self.send(frame).await;
                }
            }
            self.shut().await;
        })
        .await;
        self.state = State::Idle;
    }

    /// Close the socket with a closing handshake, bounded in time.
    async fn shut(&mut self) {
        let State::Open(open) = &mut self.state else { return };
        let close = CloseFrame { code: CloseCode::Normal, reason: "client closed".into() };
        let _ = timeout(CLOSE_BOUND, async {
            if open.socket.close(Some(close)).await.is_ok() {
                while open.socket.next().await.is_some() {}
            }
        })
        .await;
        self.state = State::Idle;
    }
}
