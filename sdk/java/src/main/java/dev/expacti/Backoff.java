package dev.expacti;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/** Retry delays: exponential backoff from 0.1 s, with full jitter. */
final class Backoff {
  static final Duration INITIAL = Duration.ofMillis(100);

  private Backoff() {}

  /**
   * How long to wait before the next attempt after {@code failures} consecutive failures: a uniform
   * pick below {@code min(cap, 0.1 s * 2^(failures - 1))}, so many clients that lost the same
   * server do not all come back at the same instant. No failure yet: no wait. {@code random} gives
   * numbers in [0, 1).
   */
  static long delayNanos(int failures, Duration cap, DoubleSupplier random) {
    if (failures <= 0) {
      return 0;
    }
    // The exponent is clamped so that a long outage cannot overflow.
    double ceiling =
        Math.min(cap.toNanos(), INITIAL.toNanos() * Math.pow(2, Math.min(failures - 1, 62)));
    return (long) (random.getAsDouble() * ceiling);
  }
}
