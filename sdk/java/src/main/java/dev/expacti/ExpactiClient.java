package dev.expacti;

import dev.expacti.ServerFrame.Hello;
import java.lang.System.Logger;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * Asks an expacti server for a human's approval before a command runs.
 *
 * <pre>{@code
 * try (ExpactiClient client = ExpactiClient.builder().url(url).token(token).build()) {
 *   Decision decision = client.run("terraform apply"); // throws unless approved
 *   exec(decision.command()); // a reviewer may have edited it
 * }
 * }</pre>
 *
 * <p>Thread-safe: one WebSocket, opened on first use, is shared by every run of every thread. If it
 * drops, the client reconnects with backoff and resumes each waiting run by its {@code request_id},
 * without creating a second command. Its threads are daemon threads; {@link #close()} it when done.
 */
public final class ExpactiClient implements AutoCloseable {
  /** This SDK's version, sent in the {@code User-Agent}. */
  public static final String VERSION = "0.1.0";

  private static final Logger LOG = System.getLogger("dev.expacti");

  /** How long {@link #close()} may take on a server that stopped reading. */
  static final Duration CLOSE_BOUND = Connection.CLOSE_TIMEOUT.multipliedBy(2);

  private final URI url;
  private final Duration connectTimeout;
  private final Duration maxBackoff;
  private final Duration grace;
  private final Map<String, PendingRun> pending = new ConcurrentHashMap<>();
  private final ExecutorService workers;
  private final ScheduledExecutorService timer;
  private final Link link;
  private volatile boolean closed;

  private ExpactiClient(Builder builder) {
    url = builder.url;
    connectTimeout = builder.connectTimeout;
    maxBackoff = builder.maxBackoff;
    grace = builder.grace;
    workers = Executors.newCachedThreadPool(daemons("expacti-worker-"));
    timer = Executors.newSingleThreadScheduledExecutor(daemons("expacti-heartbeat-"));
    link =
        new Link(
            url,
            builder.token,
            new Link.Settings(
                connectTimeout,
                builder.reconnectTimeout,
                maxBackoff,
                builder.heartbeat,
                builder.sslContext),
            pending,
            workers,
            timer,
            LOG);
  }

  /** A builder; {@code url} and {@code token} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The agent WebSocket this client talks to. */
  public URI url() {
    return url;
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Open the connection now instead of on the first run, to learn at once whether the server takes
   * the token; returns once the server's {@code hello} (its limits and the organisation's timeout,
   * which the next runs follow) arrived.
   *
   * @throws ExpactiAuthenticationException the token was refused
   * @throws ExpactiConnectionException the server could not be reached within the reconnect window,
   *     no {@code hello} came within the connect timeout (or before the connection was lost), or
   *     the client is closed
   */
  public void connect() {
    checkOpen();
    try {
      Connection conn = link.current();
      if (conn == null) {
        conn = link.open().get();
      }
      conn.awaitHello(connectTimeout);
      if (!conn.hasHello()) {
        // The hello is the server's answer to the token: without it nothing is known.
        throw new ExpactiConnectionException(
            conn.isLost()
                ? "lost the connection to " + url + " before the server's hello"
                : "no hello from " + url + " within the connect timeout");
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof ExpactiException
          ? (ExpactiException) cause
          : new ExpactiConnectionException("could not connect to " + url, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ExpactiConnectionException("interrupted while connecting to " + url, e);
    }
  }

  /** {@link #run(String, RunOptions)} with no options. */
  public Decision run(String command) {
    return run(command, RunOptions.defaults());
  }

  /**
   * Submit {@code command} for approval and wait (blocking) for the decision.
   *
   * <p>Returns the {@link Decision} only when it was approved; run {@link Decision#command()}, not
   * {@code command}: a reviewer may have edited it. Interrupting the thread (while it waits, or in
   * its {@code onProgress} callback) cancels the command on the server and throws {@link
   * CommandTimeoutException} (with the thread's interrupt flag set again), even if a decision was
   * already queued.
   *
   * @throws CommandDeniedException a reviewer denied it, or it was cancelled
   * @throws CommandTimeoutException nobody decided in time (the server's timeout, or the client's
   *     deadline: the options' timeout, else the organisation's, plus 5 s)
   * @throws ExpactiConnectionException the server could not be reached, or was lost for longer than
   *     the reconnect window; {@link ExpactiAuthenticationException} when the token was refused
   * @throws ExpactiProtocolException the server refused the command or broke the protocol
   * @throws IllegalArgumentException the command is blank or too large, or the options do not fit
   *     the server's limits (nothing was sent)
   */
  public Decision run(String command, RunOptions options) {
    PendingRun run = prepare(command, options);
    if (Thread.currentThread().isInterrupted()) {
      pending.remove(run.requestId());
      throw new CommandTimeoutException(
          command, "the thread was interrupted before the run; nothing was sent", null);
    }
    try {
      return await(run);
    } catch (InterruptedException e) {
      Submission.tryCancel(link, run, "the agent stopped waiting"); // keeps the interrupt
      Thread.currentThread().interrupt();
      throw new CommandTimeoutException(
          command,
          "the waiting thread was interrupted before a decision; the command was cancelled",
          e);
    } finally {
      pending.remove(run.requestId());
    }
  }

  /** {@link #runAsync(String, RunOptions)} with no options. */
  public CompletableFuture<Decision> runAsync(String command) {
    return runAsync(command, RunOptions.defaults());
  }

  /**
   * Like {@link #run(String, RunOptions)}, on the client's own thread: the future completes with
   * the Decision for an approval, and fails with the same exceptions otherwise (argument errors are
   * thrown at once).
   *
   * <p>Completing the future yourself stops the wait and cancels the command on the server: {@code
   * cancel(true)} (the future then throws {@link java.util.concurrent.CancellationException}), or
   * {@code orTimeout(...)} (it fails with {@link CommandTimeoutException}). Only this very future
   * does: a stage derived from it completes only itself, and {@code get(timeout, unit)} only stops
   * that caller's wait; the command then stays pending on the server.
   */
  public CompletableFuture<Decision> runAsync(String command, RunOptions options) {
    PendingRun run = prepare(command, options);
    RunFuture future = new RunFuture(command);
    future.whenComplete((decision, failure) -> run.abandon()); // too late once it returned
    run.attach(future);
    try {
      workers.execute(
          () -> {
            try {
              future.complete(await(run));
            } catch (InterruptedException e) {
              future.completeExceptionally(new ExpactiConnectionException("client closed", e));
            } catch (RuntimeException | Error e) {
              future.completeExceptionally(e);
            } finally {
              pending.remove(run.requestId());
            }
          });
    } catch (RejectedExecutionException e) {
      pending.remove(run.requestId());
      future.completeExceptionally(new ExpactiConnectionException("client closed", e));
    }
    return future;
  }

  /**
   * Tell the server the agent is done with a session (the {@link SessionInfo#id()} its runs
   * carried), and how it ended. Reconnects if needed, within the connect timeout.
   */
  public void endSession(String sessionId, SessionStatus status) {
    String frame = ClientFrames.sessionEnd(sessionId, status);
    checkOpen();
    long deadline = System.nanoTime() + connectTimeout.toNanos();
    for (; ; ) {
      Connection conn = link.current();
      if (conn == null) {
        conn = openWithin(deadline - System.nanoTime());
      }
      if (conn.send(frame)) {
        return;
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new ExpactiConnectionException(
            "lost the connection to " + url + " during session_end");
      }
      conn.awaitLost(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0)));
    }
  }

  /**
   * Cancel what is still waiting on the server (best effort), fail those runs with {@link
   * ExpactiConnectionException} ("client closed"), and close the connection; within about 4 s, even
   * on a server that stopped reading. Once it returned, no run returns an approval, even one that
   * had arrived but was not yet handed over. Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    long deadline = System.nanoTime() + CLOSE_BOUND.toNanos();
    // Every cancel is queued before any is waited for: on a stalled socket one wait covers all.
    CompletableFuture<?> lastCancel = null;
    for (PendingRun run : pending.values()) {
      CompletableFuture<?> cancel =
          Submission.queueCancel(link, run, "the agent closed its client");
      lastCancel = cancel == null ? lastCancel : cancel;
      run.fail(new ExpactiConnectionException("client closed"));
    }
    Submission.awaitWritten(lastCancel, Connection.CLOSE_TIMEOUT.toNanos());
    link.close(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0)));
    workers.shutdown();
    timer.shutdownNow();
  }

  @Override
  public String toString() {
    return "ExpactiClient[" + url + (closed ? ", closed]" : "]");
  }

  private PendingRun prepare(String command, RunOptions options) {
    Objects.requireNonNull(command, "command");
    Objects.requireNonNull(options, "options");
    checkOpen();
    String requestId = UUID.randomUUID().toString().replace("-", "");
    String frame = ClientFrames.submit(requestId, command, options, link.limits());
    Submission.checkFrameSize(frame, link.limits());
    PendingRun run =
        new PendingRun(
            requestId, command, frame, options.timeout(), grace, options.onProgress(), LOG);
    pending.put(requestId, run);
    // After put: a hello that comes from now on reaches the run by itself.
    Hello hello = link.hello();
    run.setPolicy(hello == null ? null : Limits.policySeconds(hello.limits()));
    return run;
  }

  private Decision await(PendingRun run) throws InterruptedException {
    Decision decision =
        ServerFrames.toDecision(
            new Submission(link, run, maxBackoff, this::checkOpen).decision(), run.command());
    if (decision.approved()) {
      // An approval queued before close() is not one to act on once close() returned.
      checkOpen();
      return decision;
    }
    if (decision.decision() == DecisionState.TIMED_OUT) {
      throw new CommandTimeoutException(decision);
    }
    throw new CommandDeniedException(decision);
  }

  private Connection openWithin(long nanos) {
    try {
      return link.open().get(Math.max(nanos, 0), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof ExpactiException
          ? (ExpactiException) cause
          : new ExpactiConnectionException("could not connect to " + url, cause);
    } catch (TimeoutException e) {
      throw new ExpactiConnectionException("could not reach " + url + " in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ExpactiConnectionException("interrupted while connecting to " + url, e);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new ExpactiConnectionException("client closed");
    }
  }

  private static ThreadFactory daemons(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Builds an {@link ExpactiClient}; every setter checks its argument at once. */
  public static final class Builder {
    private static final Set<String> KNOWN_SCHEMES = Set.of("ws", "wss", "http", "https");

    private URI url;
    private String token;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration reconnectTimeout = Duration.ofSeconds(60);
    private Duration maxBackoff = Duration.ofSeconds(5);
    private Duration grace = Duration.ofSeconds(5);
    private Duration heartbeat = Connection.HEARTBEAT;
    private SSLContext sslContext;

    private Builder() {}

    /**
     * The agent WebSocket: {@code ws://} or {@code wss://} (in production), ending in {@code
     * /shell/ws}, e.g. {@code ws://localhost:3001/shell/ws}.
     *
     * @throws IllegalArgumentException for anything else
     */
    public Builder url(String url) {
      Objects.requireNonNull(url, "url");
      URI parsed;
      try {
        parsed = new URI(url);
      } catch (URISyntaxException e) {
        // Neither the text nor the parser's message (which quotes it): it may hold a secret.
        throw new IllegalArgumentException(
            "expected a ws:// or wss:// URL of the agent WebSocket; this one does not parse ("
                + e.getReason()
                + " at index "
                + e.getIndex()
                + ")");
      }
      return url(parsed);
    }

    /** {@link #url(String)}, as a URI. */
    public Builder url(URI url) {
      Objects.requireNonNull(url, "url");
      String scheme = url.getScheme() == null ? "" : url.getScheme();
      boolean ws = scheme.equalsIgnoreCase("ws") || scheme.equalsIgnoreCase("wss");
      String path = url.getRawPath() == null ? "" : url.getRawPath();
      if (!ws || url.getHost() == null || !path.endsWith("/shell/ws")) {
        throw new IllegalArgumentException(
            "expected a ws:// or wss:// URL of the agent WebSocket (…/shell/ws), got "
                + shown(url));
      }
      if (url.getRawUserInfo() != null
          || url.getRawQuery() != null
          || url.getRawFragment() != null) {
        // Credentials never travel in a URL: URLs end up in proxy logs.
        throw new IllegalArgumentException(
            "the URL "
                + shown(url)
                + "/… must not carry user info, a query or a fragment; pass the token with token()");
      }
      this.url = url;
      return this;
    }

    /**
     * The scheme and host of a refused URL, for its error: user info, path, query and fragment may
     * hold a secret (users paste URLs with tokens in them), and so may a scheme nobody uses.
     */
    private static String shown(URI url) {
      String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
      if (!KNOWN_SCHEMES.contains(scheme)) {
        return "a URL without a ws:// or wss:// scheme";
      }
      return scheme + "://" + (url.getHost() == null ? "(no host)" : url.getHost());
    }

    /**
     * The agent token: printable ASCII without spaces. It is sent only as {@code Authorization:
     * Bearer}, never in a URL, and never logged.
     */
    public Builder token(String token) {
      Objects.requireNonNull(token, "token");
      if (token.isEmpty() || !token.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
        throw new IllegalArgumentException(
            "the token must be a non-empty string of printable ASCII without spaces");
      }
      this.token = token;
      return this;
    }

    /** How long one connection attempt may take (default 10 s). */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = positive("connectTimeout", connectTimeout);
      return this;
    }

    /**
     * How long to keep trying to (re)connect before failing the waiting runs with {@link
     * ExpactiConnectionException} (default 60 s).
     */
    public Builder reconnectTimeout(Duration reconnectTimeout) {
      this.reconnectTimeout = positive("reconnectTimeout", reconnectTimeout);
      return this;
    }

    /** The longest pause between two connection attempts (default 5 s). */
    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = positive("maxBackoff", maxBackoff);
      return this;
    }

    /**
     * The TLS context for {@code wss://} (a private CA, a client certificate); default: the JDK's,
     * which trusts its own CA certificates. The host name is always verified.
     */
    public Builder sslContext(SSLContext sslContext) {
      this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
      return this;
    }

    /** How much longer than the timeout the client waits, for network slack; tests shorten it. */
    Builder grace(Duration grace) {
      Objects.requireNonNull(grace, "grace");
      if (grace.isNegative()) {
        throw new IllegalArgumentException("grace must not be negative");
      }
      this.grace = grace;
      return this;
    }

    /** How often an idle connection is pinged; tests shorten it. */
    Builder heartbeat(Duration heartbeat) {
      this.heartbeat = positive("heartbeat", heartbeat);
      return this;
    }

    /**
     * The client; it connects on first use.
     *
     * @throws IllegalArgumentException without a URL or a token
     */
    public ExpactiClient build() {
      if (url == null || token == null) {
        throw new IllegalArgumentException("an ExpactiClient needs a url and a token");
      }
      return new ExpactiClient(this);
    }

    private static Duration positive(String name, Duration value) {
      Objects.requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be more than 0, not " + value);
      }
      return value;
    }

    @Override
    public String toString() {
      return "ExpactiClient.Builder[" + url + "]"; // never the token
    }
  }
}
