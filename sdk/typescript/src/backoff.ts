/** Retry delays: exponential backoff with full jitter. */

/** Upper bound of the first retry delay, in seconds. */
export const INITIAL_BACKOFF = 0.1;

/**
 * Seconds to wait before the next attempt after `failures` consecutive failures.
 *
 * Full jitter: a uniform pick in `[0, min(cap, initial * 2 ** (failures - 1)))`, so many
 * clients that lost the same server do not all come back at the same instant. No failures
 * yet means no wait.
 */
export function backoffDelay(
  failures: number,
  cap: number,
  initial = INITIAL_BACKOFF,
  random: () => number = Math.random,
): number {
  if (failures <= 0) return 0;
  // Clamp the exponent so a long outage cannot overflow.
  const ceiling = Math.min(cap, initial * 2 ** Math.min(failures - 1, 62));
  return random() * ceiling;
}
