package dev.expacti;

import dev.expacti.ServerFrame.Accepted;
import dev.expacti.ServerFrame.DecisionFrame;
import dev.expacti.ServerFrame.ErrorFrame;
import dev.expacti.ServerFrame.ProgressFrame;
import dev.expacti.ServerFrame.RunEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One run's way to its decision: send the submit, read what comes back, and after a lost connection
 * reconnect and send the same submit again (same {@code request_id}), so the server resumes the
 * command instead of creating a second one.
 */
final class Submission {
  private final Link link;
  private final PendingRun run;
  private final Duration maxBackoff;
  private final Runnable checkOpen;

  /** {@code checkOpen} throws once the client is closed. */
  Submission(Link link, PendingRun run, Duration maxBackoff, Runnable checkOpen) {
    this.link = link;
    this.run = run;
    this.maxBackoff = maxBackoff;
    this.checkOpen = checkOpen;
  }

  /**
   * Best effort: ask the server to cancel, and wait (at most 2 s) until the frame is written, so
   * that a program which exits right after the run still cancels. Nothing is sent for a command the
   * server never heard of, or while the connection is down (the server then cancels it itself when
   * its resume window ends).
   */
  static void tryCancel(Link link, PendingRun run, String reason) {
    awaitWritten(queueCancel(link, run, reason), Connection.CLOSE_TIMEOUT.toNanos());
  }

  /**
   * Queue a {@code cancel} without waiting for it; the future completes once it was written, null
   * when nothing was sent. Frames are written in order, so the last one written means all were.
   */
  static CompletableFuture<?> queueCancel(Link link, PendingRun run, String reason) {
    if (!run.wasSent()) {
      return null;
    }
    Connection open = link.current();
    return open == null ? null : open.write(ClientFrames.cancel(run.requestId(), reason));
  }

  /** Wait up to {@code nanos} for a write; keeps the caller's interrupt. */
  static void awaitWritten(CompletableFuture<?> written, long nanos) {
    if (written == null) {
      return;
    }
    boolean interrupted = Thread.interrupted();
    try {
      written.get(Math.max(nanos, 0), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      interrupted = true;
    } catch (ExecutionException | TimeoutException e) {
      // the connection is failing: the server cancels the command when it ends
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Throw if the submit frame is larger than the server's frame limit takes. */
  static void checkFrameSize(String frame, Limits limits) {
    // The server closes the connection (1009) on an oversized frame; retrying cannot help.
    int size = frame.getBytes(StandardCharsets.UTF_8).length;
    if (size > limits.maxFrameBytes()) {
      throw new IllegalArgumentException(
          "the submit frame is "
              + size
              + " bytes; the server takes at most "
              + limits.maxFrameBytes());
    }
  }

  /** The decision frame, or the exception that ends the run. */
  DecisionFrame decision() throws InterruptedException {
    int unavailable = 0;
    boolean first = true;
    ErrorFrame retrying = null;
    for (; ; ) {
      throwIfInterrupted();
      if (!first && System.nanoTime() - run.deadline() >= 0) {
        if (retrying != null) {
          throw refused(retrying);
        }
        throw new ExpactiConnectionException(
            "lost the connection to " + link.url() + " and could not resume before the deadline");
      }
      first = false;
      Connection conn = connection();
      checkResendSize();
      run.useConnection(conn);
      // Before the frame goes out: whoever cancels right after must know it may have.
      run.sent();
      conn.send(run.frame());
      Object outcome;
      try {
        outcome = nextOutcome(conn);
      } catch (ExpactiProtocolException e) {
        if (e.getCode() == null) {
          // An untrustworthy frame: the command may still be pending.
          tryCancel(link, run, "invalid frame from the server");
        }
        throw e;
      }
      if (outcome instanceof DecisionFrame) {
        return (DecisionFrame) outcome;
      }
      retrying = (ErrorFrame) outcome; // null: the connection was lost; resume on a new one
      if (retrying != null) {
        // "unavailable": the server could not take it now; the same request_id, later.
        unavailable++;
        long delay =
            Backoff.delayNanos(unavailable, maxBackoff, ThreadLocalRandom.current()::nextDouble);
        if (System.nanoTime() + delay - run.deadline() >= 0) {
          throw refused(retrying);
        }
        sleep(delay);
      }
    }
  }

  /**
   * A new connection's {@code hello} may lower the frame limit. Before the first send that is the
   * caller's argument error; once the server may hold the command it is the server's doing, and the
   * command must not stay pending.
   */
  private void checkResendSize() {
    try {
      checkFrameSize(run.frame(), link.limits());
    } catch (IllegalArgumentException tooBig) {
      if (!run.wasSent()) {
        throw tooBig;
      }
      tryCancel(link, run, "the submit no longer fits the server's frame limit");
      throw new ExpactiProtocolException(
          "after reconnecting, " + tooBig.getMessage() + "; the command was cancelled",
          null,
          run.requestId());
    }
  }

  /** The decision, an {@code unavailable} error to retry, or null when the connection is lost. */
  private Object nextOutcome(Connection conn) throws InterruptedException {
    for (; ; ) {
      // An interrupt that came while the thread was busy (in onProgress, say) wins over whatever
      // is queued: the caller has stopped waiting and must not be handed an approval.
      throwIfInterrupted();
      long mark = run.mark();
      Object event = run.take();
      if (event == null) {
        if (run.abandoned()) {
          throw abandon();
        }
        long left = run.deadline() - System.nanoTime();
        if (!conn.alive()) {
          if (conn.isLost() || left <= 0) {
            return null;
          }
          // Closing: frames read before the close, or a close code that ends the run, may
          // still be on their way; the loss follows them.
          long bound = Math.min(left, Connection.CLOSE_TIMEOUT.multipliedBy(2).toNanos());
          run.await(mark, bound);
          if (!conn.isLost() && run.mark() == mark) {
            conn.abort(); // a close that hangs
          }
          continue;
        }
        if (left <= 0) {
          tryCancel(link, run, "agent deadline passed");
          throw new CommandTimeoutException(
              run.command(),
              "no decision before the client's deadline; the command was cancelled",
              null);
        }
        run.await(mark, left);
        continue;
      }
      if (event instanceof ExpactiException) {
        throw (ExpactiException) event;
      }
      if (event instanceof ErrorFrame) {
        ErrorFrame error = (ErrorFrame) event;
        if (error.code().equals("unavailable")) {
          return error;
        }
        throw refused(error);
      }
      RunEvent frame = (RunEvent) event;
      if (run.commandId() != null && !run.commandId().equals(frame.commandId())) {
        throw new ExpactiProtocolException(
            "the server switched command_id from "
                + run.commandId()
                + " to "
                + frame.commandId()
                + " for one request",
            null,
            run.requestId());
      }
      run.commandId(frame.commandId());
      if (frame instanceof DecisionFrame) {
        throwIfInterrupted();
        return frame;
      }
      if (frame instanceof ProgressFrame) {
        run.progressed((ProgressFrame) frame);
      } else {
        run.expiresAt(((Accepted) frame).expiresAt()); // informative: the deadline is durations
      }
    }
  }

  private static void throwIfInterrupted() throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
  }

  /** The open connection, opening it first if needed, before the run's deadline. */
  private Connection connection() throws InterruptedException {
    CompletableFuture<Connection> opening = null; // the attempt this run waits for
    for (; ; ) {
      checkOpen.run();
      if (run.abandoned()) {
        throw abandon();
      }
      Connection open = link.current();
      if (open != null) {
        return open;
      }
      long mark = run.mark();
      if (opening == null) {
        opening = link.open();
      }
      if (opening.isDone()) {
        Connection opened = settled(opening); // its failure is this run's
        if (opened.alive()) {
          return opened;
        }
        opening = null; // opened and lost at once: the next attempt backs off
        continue;
      }
      long left = run.deadline() - System.nanoTime();
      if (left <= 0) {
        throw new ExpactiConnectionException(
            "could not reach " + link.url() + " before the deadline");
      }
      run.await(mark, left);
    }
  }

  private static Connection settled(CompletableFuture<Connection> opening)
      throws InterruptedException {
    try {
      return opening.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ExpactiException) {
        throw (ExpactiException) cause;
      }
      throw new ExpactiConnectionException("could not connect: " + cause, cause);
    }
  }

  /**
   * Wait {@code nanos} before a retry; cut short by a frame for the run (the next round reads it),
   * and ended by an abandoned run or a closed client.
   */
  private void sleep(long nanos) throws InterruptedException {
    long until = System.nanoTime() + nanos;
    for (long left = nanos; left > 0 && !run.hasEvents(); left = until - System.nanoTime()) {
      long mark = run.mark();
      checkOpen.run(); // first: close() already cancelled the run
      if (run.abandoned()) {
        throw abandon();
      }
      run.await(mark, left);
    }
  }

  /** The caller stopped waiting: cancel on the server, and the exception to end the run. */
  private CommandTimeoutException abandon() {
    tryCancel(link, run, "the agent stopped waiting");
    return new CommandTimeoutException(
        run.command(),
        "the caller stopped waiting before a decision; the command was cancelled",
        null);
  }

  private static ExpactiProtocolException refused(ErrorFrame frame) {
    String what = frame.message().isEmpty() ? frame.code() : frame.message();
    return new ExpactiProtocolException(
        "the server refused the command: " + what + " (" + frame.code() + ")",
        frame.code(),
        frame.requestId());
  }
}
