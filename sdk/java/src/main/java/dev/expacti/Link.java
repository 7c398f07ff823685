package dev.expacti;

import dev.expacti.ServerFrame.ErrorFrame;
import dev.expacti.ServerFrame.Hello;
import dev.expacti.ServerFrame.RunEvent;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;

/**
 * The client's one WebSocket: opening it (with backoff, at most one attempt at a time), routing
 * every frame to the run waiting for it, and the closes reconnecting cannot cure.
 */
final class Link implements Connection.Handler {
  private static final long STABLE_NANOS = Duration.ofSeconds(10).toNanos();
  private static final int CLOSE_POLICY = 1008; // the token was revoked: reconnecting cannot help
  private static final int CLOSE_TOO_BIG = 1009; // re-sending the same frame cannot help
  // 1002 would be the code, but the JDK sends none of 1002, 1003 or 1007; 1008 is the
  // protocol's generic "no more suitable code".
  private static final int CLOSE_INVALID_FRAME = 1008;
  private static final Duration CLOSE_TIMEOUT_TWICE = Connection.CLOSE_TIMEOUT.multipliedBy(2);

  /** How to connect. */
  record Settings(
      Duration connectTimeout,
      Duration reconnectTimeout,
      Duration maxBackoff,
      Duration heartbeat,
      SSLContext sslContext) {}

  private final URI url;
  private final String token;
  private final Settings settings;
  private final Map<String, PendingRun> pending;
  // Dropped on close: Java 17's HttpClient has no close(), and its selector thread ends once
  // the client is unreachable (its executor, the client's workers, is shut down by the owner).
  private volatile HttpClient http;
  private final ExecutorService workers;
  private final ScheduledExecutorService timer;
  private final Logger log;
  private final AtomicInteger failures = new AtomicInteger();
  private final CountDownLatch closing = new CountDownLatch(1);
  private volatile Connection conn;
  private volatile Hello hello;
  private volatile boolean closed;
  private CompletableFuture<Connection> opening;

  Link(
      URI url,
      String token,
      Settings settings,
      Map<String, PendingRun> pending,
      ExecutorService workers,
      ScheduledExecutorService timer,
      Logger log) {
    this.url = url;
    this.token = token;
    this.settings = settings;
    this.pending = pending;
    this.workers = workers;
    this.timer = timer;
    this.log = log;
    HttpClient.Builder http = HttpClient.newBuilder().executor(workers);
    if (settings.sslContext() != null) {
      http.sslContext(settings.sslContext());
    }
    this.http = http.build();
  }

  URI url() {
    return url;
  }

  /** The connection, if it is open now; else null. */
  Connection current() {
    Connection open = conn;
    return open != null && open.alive() ? open : null;
  }

  /** The latest {@code hello}, or null before the first. */
  Hello hello() {
    return hello;
  }

  /** The limits of the latest {@code hello}, else the protocol's defaults. */
  Limits limits() {
    Hello latest = hello;
    return latest == null ? Limits.DEFAULT : Limits.from(latest.limits());
  }

  /**
   * The open connection, opening it (with backoff, for up to the reconnect window) if needed;
   * shared by every caller. Fails with {@link ExpactiAuthenticationException} at once when the
   * token is refused, with {@link ExpactiConnectionException} when the window passed. Every waiting
   * run is woken when it settles.
   */
  synchronized CompletableFuture<Connection> open() {
    if (opening == null || opening.isDone()) {
      CompletableFuture<Connection> attempt = new CompletableFuture<>();
      opening = attempt;
      try {
        workers.execute(
            () -> {
              try {
                attempt.complete(connect());
              } catch (RuntimeException e) {
                attempt.completeExceptionally(e);
              } finally {
                wakeAll();
              }
            });
      } catch (RejectedExecutionException e) {
        attempt.completeExceptionally(new ExpactiConnectionException("client closed"));
      }
    }
    return opening;
  }

  /**
   * Stop opening connections and close the open one, dropping it if its closing handshake takes
   * longer than {@code patience}; idempotent.
   */
  void close(Duration patience) {
    Connection open;
    synchronized (this) {
      closed = true;
      open = conn;
      conn = null;
      http = null;
    }
    closing.countDown();
    if (open == null || open.isLost()) {
      return;
    }
    open.close(1000, "client closed");
    open.awaitLost(patience);
    open.abort();
  }

  /** Wake every waiting run so it looks at the connection again. */
  void wakeAll() {
    for (PendingRun run : pending.values()) {
      run.wake();
    }
  }

  private Connection connect() {
    Connection stale = conn;
    if (stale != null && !stale.isLost()) {
      // At most one socket at a time: let the old one finish closing, or drop it.
      stale.awaitLost(CLOSE_TIMEOUT_TWICE);
      stale.abort();
    }
    long giveUp = System.nanoTime() + settings.reconnectTimeout().toNanos();
    Exception lastError = null;
    for (; ; ) {
      long delay =
          Backoff.delayNanos(
              failures.get(), settings.maxBackoff(), ThreadLocalRandom.current()::nextDouble);
      if (lastError != null && System.nanoTime() + delay >= giveUp) {
        throw new ExpactiConnectionException(
            "could not connect to " + url + ": " + describe(lastError), lastError);
      }
      pause(Math.min(delay, Math.max(giveUp - System.nanoTime(), 0)));
      if (closed) {
        throw new ExpactiConnectionException("client closed");
      }
      long timeout =
          Math.min(
              settings.connectTimeout().toNanos(), Math.max(giveUp - System.nanoTime(), 1_000_000));
      Connection opened;
      try {
        opened = attempt(Duration.ofNanos(timeout));
      } catch (ExpactiAuthenticationException e) {
        throw e;
      } catch (Exception e) {
        ExpactiConnectionException untrusted = untrusted(e);
        if (untrusted != null) {
          throw untrusted;
        }
        lastError = e;
        failures.incrementAndGet();
        continue;
      }
      synchronized (this) {
        // Under the lock close() takes: a connection is either seen by close() or never kept.
        if (!closed) {
          conn = opened;
          return opened;
        }
      }
      opened.abort();
      throw new ExpactiConnectionException("client closed");
    }
  }

  private Connection attempt(Duration timeout) throws Exception {
    HttpClient client = http;
    if (client == null) {
      throw new ExpactiConnectionException("client closed");
    }
    long started = System.nanoTime();
    CompletableFuture<Connection> future =
        Connection.open(client, url, token, timeout, settings.heartbeat(), this, timer);
    try {
      // The JDK bounds the handshake itself; the margin only guards against a hang.
      Connection opened =
          future.get(timeout.toNanos() + CLOSE_TIMEOUT_TWICE.toNanos(), TimeUnit.NANOSECONDS);
      // The hello follows the handshake at once. Waiting for it means a resend already follows
      // this connection's limits; a server that sends none is used all the same.
      opened.awaitHello(
          Duration.ofNanos(Math.max(timeout.toNanos() - (System.nanoTime() - started), 0)));
      return opened;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      ExpactiAuthenticationException refused = refusal(cause);
      if (refused != null) {
        throw refused;
      }
      throw cause instanceof Exception ? (Exception) cause : e;
    } catch (TimeoutException | InterruptedException e) {
      future.thenAccept(Connection::abort); // should it open after all
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw e;
    }
  }

  /**
   * A connection error for a server whose certificate is refused (an unknown CA, a host name it was
   * not issued for): retrying cannot change the certificate. Other TLS failures (a server that hung
   * up mid-handshake, say) are retried like any network error.
   */
  private ExpactiConnectionException untrusted(Exception error) {
    boolean handshake = false;
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      handshake |= cause instanceof SSLHandshakeException;
      if (handshake && cause instanceof CertificateException) {
        return new ExpactiConnectionException(
            "the TLS certificate of "
                + url.getHost()
                + " is not trusted: "
                + cause.getMessage()
                + " (pass an sslContext that trusts its CA, and a URL with the host name it was"
                + " issued for)",
            error);
      }
    }
    return null;
  }

  /** An authentication failure for a handshake the server refused with 401 or 403. */
  private static ExpactiAuthenticationException refusal(Throwable cause) {
    if (!(cause instanceof WebSocketHandshakeException)) {
      return null;
    }
    var response = ((WebSocketHandshakeException) cause).getResponse();
    int status = response.statusCode();
    if (status != 401 && status != 403) {
      return null;
    }
    String why = errorMessage(response.body());
    return new ExpactiAuthenticationException(
        "the server refused the token (HTTP " + status + (why.isEmpty() ? "" : ": " + why) + ")",
        status);
  }

  /** {@code error.message} of the server's JSON error body, if it has one; else "". */
  static String errorMessage(Object body) {
    String text;
    if (body instanceof byte[]) {
      text = new String((byte[]) body, StandardCharsets.UTF_8);
    } else if (body instanceof String) {
      text = (String) body;
    } else {
      return "";
    }
    try {
      var message = Json.parse(text).path("error").path("message");
      return message.isTextual() ? message.textValue() : "";
    } catch (Exception e) {
      return "";
    }
  }

  private static String describe(Exception error) {
    if (error instanceof WebSocketHandshakeException) {
      return "the server answered HTTP "
          + ((WebSocketHandshakeException) error).getResponse().statusCode()
          + " instead of a WebSocket";
    }
    if (error instanceof TimeoutException) {
      return "the handshake did not finish in time";
    }
    String message = error.getMessage();
    return message == null ? error.getClass().getSimpleName() : message;
  }

  /** Sleep, cut short by {@link #close()}. */
  private void pause(long nanos) {
    if (nanos <= 0) {
      return;
    }
    try {
      closing.await(nanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // -- Connection.Handler: called on the HTTP client's threads ---------------------------

  @Override
  public void frame(Connection from, String text) {
    if (!dispatch(from, text)) {
      from.close(CLOSE_INVALID_FRAME, "invalid frame from the server");
    }
  }

  @Override
  public void binary(Connection from) {
    failAll("the server sent a binary frame; protocol v1 is text only");
    from.close(CLOSE_INVALID_FRAME, "invalid frame from the server");
  }

  @Override
  public void lost(Connection from) {
    long lived = System.nanoTime() - from.openedAt();
    if (lived >= STABLE_NANOS) {
      failures.set(1);
    } else {
      failures.incrementAndGet();
    }
    failOnTerminalClose(from);
    wakeAll();
  }

  /** After a close that reconnecting cannot cure, fail the runs that were waiting on it. */
  private void failOnTerminalClose(Connection from) {
    boolean revoked = from.closeCode() == CLOSE_POLICY;
    boolean tooBig = from.closeCode() == CLOSE_TOO_BIG || from.tooBig();
    if (!revoked && !tooBig) {
      return;
    }
    String reason = from.closeReason().isEmpty() ? "" : ": " + from.closeReason();
    String message =
        revoked
            ? "the server closed the connection: the token was revoked or refused (close code 1008"
                + reason
                + ")"
            : "the connection was closed because "
                + (from.tooBig() ? "a frame from the server" : "a frame from the client")
                + " was too large (close code 1009)";
    log.log(Level.WARNING, message);
    for (PendingRun run : pending.values()) {
      if (run.connection() == from) {
        run.deliver(
            revoked
                ? new ExpactiAuthenticationException(message, 401)
                : new ExpactiProtocolException(message, null, run.requestId()));
      }
    }
  }

  /** Hand one frame to its run; false when the connection can no longer be trusted. */
  private boolean dispatch(Connection from, String text) {
    ServerFrame frame;
    try {
      frame = ServerFrames.parse(text);
    } catch (ExpactiProtocolException invalid) {
      if (invalid.getRequestId() != null) {
        PendingRun run = pending.get(invalid.getRequestId());
        if (run != null) {
          run.deliver(invalid);
        } else {
          log.log(Level.WARNING, "ignoring " + invalid.getMessage());
        }
        return true;
      }
      // Nobody can tell whose frame it was: every run fails, closed.
      failAll(invalid.getMessage());
      return false;
    }
    if (frame instanceof Hello) {
      Hello latest = (Hello) frame;
      hello = latest;
      from.greeted();
      Integer policy = Limits.policySeconds(latest.limits());
      for (PendingRun run : pending.values()) {
        run.setPolicy(policy);
      }
    } else if (frame instanceof ErrorFrame) {
      ErrorFrame error = (ErrorFrame) frame;
      PendingRun run = error.requestId() == null ? null : pending.get(error.requestId());
      if (run != null) {
        run.deliver(error);
      } else {
        log.log(Level.WARNING, "the server reported " + error.code() + ": " + error.message());
      }
    } else if (frame instanceof RunEvent) {
      PendingRun run = pending.get(((RunEvent) frame).requestId());
      if (run != null) {
        run.deliver(frame);
      }
    }
    // pong and exec_ack: nothing waits for them here
    return true;
  }

  private void failAll(String message) {
    for (PendingRun run : pending.values()) {
      run.deliver(new ExpactiProtocolException(message, null, run.requestId()));
    }
  }
}
