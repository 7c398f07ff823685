package dev.expacti;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * The future {@link ExpactiClient#runAsync} returns. Whoever completes it first wins; the client
 * cancels the command on the server when that is the caller ({@code cancel}, {@code orTimeout},
 * {@code complete...}). {@code orTimeout} fails it with a {@link CommandTimeoutException} (its
 * cause the {@link TimeoutException}), like every other way a run can run out of time.
 */
final class RunFuture extends CompletableFuture<Decision> {
  private final String command;

  RunFuture(String command) {
    this.command = command;
  }

  @Override
  public boolean completeExceptionally(Throwable failure) {
    if (failure instanceof TimeoutException) {
      return super.completeExceptionally(
          new CommandTimeoutException(
              command,
              "no decision before the future timed out; the command was cancelled",
              failure));
    }
    return super.completeExceptionally(failure);
  }
}
