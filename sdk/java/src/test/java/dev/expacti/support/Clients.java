package dev.expacti.support;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Small helpers for tests that drive a client from another thread. */
public final class Clients {
  private Clients() {}

  /** Run {@code call} on a new thread; its result or what it threw, through the future. */
  public static <T> CompletableFuture<T> inBackground(Callable<T> call) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Thread thread =
        new Thread(
            () -> {
              try {
                result.complete(call.call());
              } catch (Throwable e) {
                result.completeExceptionally(e);
              }
            },
            "test-run");
    thread.setDaemon(true);
    thread.start();
    return result;
  }

  /** What {@code future} failed with (unwrapped); fails the test if it succeeded. */
  public static Throwable failure(CompletableFuture<?> future)
      throws InterruptedException, TimeoutException {
    try {
      Object value = future.get(30, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + value);
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  /** The value of {@code future}, within 30 s. */
  public static <T> T value(CompletableFuture<T> future) throws Exception {
    try {
      return future.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("expected a value", e.getCause());
    }
  }
}
