package dev.expacti;

import dev.expacti.ServerFrame.ProgressFrame;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One run waiting for its decision: its submit frame, its deadline, and the frames routed to it.
 *
 * <p>The deadline is made of durations on the monotonic clock ({@link System#nanoTime()}), never of
 * the server's wall-clock {@code expires_at}: a client clock that is off cannot shorten the wait.
 * It is the run's own timeout, else the organisation's from {@code hello}, else the protocol's
 * maximum, plus the grace, counted from when the submit was first sent (from the call until then).
 * An escalation that moves {@code expires_at} later extends the wait of a run without its own
 * timeout by as much (the difference of two server timestamps, so still immune to the client's
 * clock).
 *
 * <p>The waiting thread and the connection's threads meet here: every change bumps a generation
 * counter, so a waiter that took {@link #mark()} before looking at the state never sleeps through a
 * change that came after it looked.
 */
final class PendingRun {
  private final String requestId;
  private final String command;
  private final String frame;
  private final Duration timeout;
  private final Duration grace;
  private final Consumer<Progress> onProgress;
  private final Logger log;
  private final long started = System.nanoTime();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Object> events = new ArrayDeque<>();
  private long generation;
  private boolean sent;
  private long sentAt;
  private Integer policy;
  private long extension;
  private long deadline;
  private volatile Connection conn;
  private volatile boolean abandoned;
  private volatile CompletableFuture<Decision> future;
  // Only the waiting thread reads and writes these two.
  private String commandId;
  private Instant expiresAt;

  PendingRun(
      String requestId,
      String command,
      String frame,
      Duration timeout,
      Duration grace,
      Consumer<Progress> onProgress,
      Logger log) {
    this.requestId = requestId;
    this.command = command;
    this.frame = frame;
    this.timeout = timeout;
    this.grace = grace;
    this.onProgress = onProgress;
    this.log = log;
    updateDeadline();
  }

  String requestId() {
    return requestId;
  }

  String command() {
    return command;
  }

  String frame() {
    return frame;
  }

  /** The connection the submit was last sent on. */
  Connection connection() {
    return conn;
  }

  void useConnection(Connection connection) {
    conn = connection;
  }

  String commandId() {
    return commandId;
  }

  void commandId(String id) {
    commandId = id;
  }

  /** The server's {@code expires_at} from the latest {@code accepted}; informative. */
  void expiresAt(Instant moment) {
    expiresAt = moment;
  }

  /** Record that the submit is going out; the first one starts the server's clock. */
  void sent() {
    lock.lock();
    try {
      if (!sent) {
        sent = true;
        sentAt = System.nanoTime();
        updateDeadline();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Whether a submit went out (or was about to), so the server may know the command. */
  boolean wasSent() {
    lock.lock();
    try {
      return sent;
    } finally {
      lock.unlock();
    }
  }

  /** The deadline, on the {@link System#nanoTime()} clock. */
  long deadline() {
    lock.lock();
    try {
      return deadline;
    } finally {
      lock.unlock();
    }
  }

  /** Apply the organisation's timeout from a {@code hello}. */
  void setPolicy(Integer seconds) {
    lock.lock();
    try {
      if (seconds == null || seconds.equals(policy)) {
        return;
      }
      policy = seconds;
      updateDeadline();
      signal();
    } finally {
      lock.unlock();
    }
  }

  /** Apply a {@code progress} frame (on the waiting thread): its deadline, then the callback. */
  void progressed(ProgressFrame progress) {
    Instant previous = expiresAt;
    expiresAt = progress.expiresAt();
    if (progress.escalated() && timeout == null && previous != null) {
      long moved = Duration.between(previous, progress.expiresAt()).toNanos();
      if (moved > 0) {
        lock.lock();
        try {
          extension = Math.min(extension + moved, RunOptions.MAX_TIMEOUT.toNanos());
          updateDeadline();
        } finally {
          lock.unlock();
        }
      }
    }
    if (onProgress == null) {
      return;
    }
    try {
      onProgress.accept(ServerFrames.toProgress(progress));
    } catch (RuntimeException e) {
      log.log(Level.WARNING, "the onProgress callback of " + requestId + " threw", e);
    }
  }

  /** The caller stopped waiting (its future completed, or its thread was interrupted). */
  void abandon() {
    abandoned = true;
    wake();
  }

  boolean abandoned() {
    return abandoned;
  }

  /** The future of {@code runAsync} this run completes, if it has one. */
  void attach(CompletableFuture<Decision> runFuture) {
    future = runFuture;
  }

  /**
   * End the run with {@code failure} whatever is queued before it: the waiting thread gets it, and
   * the future of {@code runAsync} fails now, so no approval taken meanwhile can complete it later.
   */
  void fail(ExpactiException failure) {
    deliver(failure);
    CompletableFuture<Decision> runFuture = future;
    if (runFuture != null) {
      runFuture.completeExceptionally(failure);
    }
  }

  /** Queue a frame or an exception for the waiting thread, and wake it. */
  void deliver(Object event) {
    lock.lock();
    try {
      events.add(event);
      signal();
    } finally {
      lock.unlock();
    }
  }

  /** The oldest queued event, or null. */
  Object take() {
    lock.lock();
    try {
      return events.poll();
    } finally {
      lock.unlock();
    }
  }

  /** Whether an event waits to be taken. */
  boolean hasEvents() {
    lock.lock();
    try {
      return !events.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /** Make the waiting thread look again (the connection changed). */
  void wake() {
    lock.lock();
    try {
      signal();
    } finally {
      lock.unlock();
    }
  }

  /** The generation to hand to {@link #await}; take it before looking at the state. */
  long mark() {
    lock.lock();
    try {
      return generation;
    } finally {
      lock.unlock();
    }
  }

  /** Sleep until anything changed after {@code mark}, or for {@code nanos}. */
  void await(long mark, long nanos) throws InterruptedException {
    lock.lock();
    try {
      long left = nanos;
      while (generation == mark && left > 0) {
        left = changed.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  private void signal() {
    generation++;
    changed.signalAll();
  }

  private void updateDeadline() {
    long budget =
        timeout != null
            ? timeout.toNanos()
            : policy != null
                ? Duration.ofSeconds(policy).toNanos()
                : RunOptions.MAX_TIMEOUT.toNanos();
    long start = sent ? sentAt : started;
    deadline = start + budget + extension + grace.toNanos();
  }
}
