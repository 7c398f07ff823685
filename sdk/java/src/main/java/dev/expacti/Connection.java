package dev.expacti;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One WebSocket to the server (the JDK's {@link WebSocket}): opening it with the agent token,
 * sending on it in order, noticing that it is lost.
 */
final class Connection {
  /** How long a closing handshake may take before the socket is dropped. */
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);

  /**
   * How often an idle connection is pinged; one that heard nothing between two pings is dropped
   * (and its runs resumed on a new one). The JDK's WebSocket sometimes misses an end of stream that
   * arrives right behind a frame, so this is also what notices those.
   */
  static final Duration HEARTBEAT = Duration.ofSeconds(10);

  /** Larger text frames from the server close the connection (like close code 1009). */
  static final int MAX_INCOMING_CHARS = 1024 * 1024;

  private static final String USER_AGENT = "expacti-java/" + ExpactiClient.VERSION;

  /** What the connection reports; called on the HTTP client's threads, one at a time. */
  interface Handler {
    /** A whole text frame arrived. */
    void frame(Connection conn, String text);

    /** A binary frame arrived (protocol v1 has none). */
    void binary(Connection conn);

    /** The connection is gone, whatever the reason; called once. */
    void lost(Connection conn);
  }

  private final Handler handler;
  private final long openedAt = System.nanoTime();
  private final StringBuilder incoming = new StringBuilder();
  private final AtomicBoolean lost = new AtomicBoolean();
  private final CountDownLatch lostLatch = new CountDownLatch(1);
  private final CountDownLatch greeted = new CountDownLatch(1);
  private volatile WebSocket ws;
  private volatile boolean closingByUs;
  private volatile boolean heard = true;
  private volatile boolean tooBig;
  private volatile int closeCode = -1;
  private volatile String closeReason = "";
  private volatile boolean closedByServer;
  private volatile boolean hasHello;
  private CompletableFuture<?> sending = CompletableFuture.completedFuture(null);
  private ScheduledFuture<?> heartbeat;

  private Connection(Handler handler) {
    this.handler = handler;
  }

  /**
   * Start one connection attempt, bounded by {@code timeout}. Frames that come with the handshake
   * (the server's {@code hello}) reach {@code handler} even before the future completes. A refused
   * handshake fails the future with {@link java.net.http.WebSocketHandshakeException}.
   */
  static CompletableFuture<Connection> open(
      HttpClient http,
      URI url,
      String token,
      Duration timeout,
      Duration heartbeat,
      Handler handler,
      ScheduledExecutorService timer) {
    Connection conn = new Connection(handler);
    return http.newWebSocketBuilder()
        .header("Authorization", "Bearer " + token)
        .header("User-Agent", USER_AGENT)
        .connectTimeout(timeout)
        .buildAsync(url, conn.new Listener())
        .thenApply(
            socket -> {
              conn.ws = socket;
              conn.startHeartbeat(timer, heartbeat);
              return conn;
            });
  }

  long openedAt() {
    return openedAt;
  }

  /** Whether frames can still be sent and received. */
  boolean alive() {
    WebSocket socket = ws;
    return !lost.get() && socket != null && !socket.isOutputClosed() && !socket.isInputClosed();
  }

  /** Whether the connection is gone, and every frame before that was handed over. */
  boolean isLost() {
    return lost.get();
  }

  /** The close code the server sent, or -1 when it was not a close frame from the server. */
  int closeCode() {
    return closedByServer ? closeCode : -1;
  }

  String closeReason() {
    return closeReason;
  }

  /** The server sent a frame larger than {@link #MAX_INCOMING_CHARS}. */
  boolean tooBig() {
    return tooBig;
  }

  /**
   * Queue one frame; false when the connection is gone (it is then on its way to lost). Frames go
   * out in order and the caller never waits for the network.
   */
  boolean send(String text) {
    return write(text) != null;
  }

  /**
   * Queue one frame, like {@link #send}; the future completes once it was written (or could not
   * be), null when the connection is gone.
   */
  synchronized CompletableFuture<?> write(String text) {
    if (!alive()) {
      return null;
    }
    WebSocket socket = ws;
    sending =
        sending
            .handle((done, failed) -> null)
            .thenCompose(ignored -> socket.sendText(text, true))
            .whenComplete(
                (done, failed) -> {
                  // A write that failed leaves the link in doubt: drop it and resume.
                  if (failed != null) {
                    abort();
                  }
                });
    return sending;
  }

  /** Start a closing handshake after the queued frames; the server's close follows. */
  synchronized void close(int code, String reason) {
    closingByUs = true;
    WebSocket socket = ws;
    if (socket == null || lost.get()) {
      return;
    }
    sending =
        sending
            .handle((done, failed) -> null)
            .thenCompose(ignored -> socket.sendClose(code, reason))
            .whenComplete(
                (done, failed) -> {
                  if (failed != null) {
                    abort();
                  }
                });
  }

  /** Drop the socket now, without a closing handshake (idempotent, never blocks). */
  void abort() {
    closingByUs = true;
    WebSocket socket = ws;
    if (socket != null) {
      socket.abort();
    }
    markLost();
  }

  /** The server's {@code hello} came on this connection. */
  void greeted() {
    hasHello = true;
    greeted.countDown();
  }

  /** Whether the server's {@code hello} came on this connection. */
  boolean hasHello() {
    return hasHello;
  }

  /**
   * Wait until the server's {@code hello} came or the connection is lost, at most {@code timeout}.
   */
  void awaitHello(Duration timeout) throws InterruptedException {
    greeted.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Wait until the connection is lost, at most {@code timeout}; true if it is. */
  boolean awaitLost(Duration timeout) {
    try {
      return lostLatch.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return lost.get();
    }
  }

  private void startHeartbeat(ScheduledExecutorService timer, Duration interval) {
    long period = interval.toNanos();
    synchronized (this) {
      if (!lost.get()) {
        heartbeat = timer.scheduleAtFixedRate(this::beat, period, period, TimeUnit.NANOSECONDS);
      }
    }
  }

  /** A link that died without a FIN would otherwise be noticed only at the deadline. */
  private void beat() {
    if (!heard) {
      abort();
      return;
    }
    heard = false;
    send(ClientFrames.ping("heartbeat"));
  }

  private void markLost() {
    if (!lost.compareAndSet(false, true)) {
      return;
    }
    synchronized (this) {
      if (heartbeat != null) {
        heartbeat.cancel(false);
      }
    }
    try {
      handler.lost(this);
    } finally {
      lostLatch.countDown();
      greeted.countDown(); // no hello will come: nobody waits for one
    }
  }

  private final class Listener implements WebSocket.Listener {
    @Override
    public void onOpen(WebSocket socket) {
      ws = socket;
      socket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
      heard = true;
      if (incoming.length() + data.length() > MAX_INCOMING_CHARS) {
        tooBig = true;
        abort();
        return null;
      }
      incoming.append(data);
      if (last) {
        String text = incoming.toString();
        incoming.setLength(0);
        handler.frame(Connection.this, text);
      }
      socket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
      heard = true;
      if (last) {
        handler.binary(Connection.this);
      }
      socket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket socket, ByteBuffer message) {
      heard = true;
      socket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket socket, ByteBuffer message) {
      heard = true;
      socket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket socket, int code, String reason) {
      closeCode = code;
      closeReason = reason;
      closedByServer = !closingByUs;
      markLost();
      return null;
    }

    @Override
    public void onError(WebSocket socket, Throwable error) {
      markLost();
    }
  }
}
