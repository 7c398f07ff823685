/** Reconnect delays: exponential from 0.5 s, capped at 10 s, with ±25 % jitter. */
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 10_000;

/**
 * Delay before reconnect attempt `attempt` (1-based). Jitter spreads a fleet of
 * reviewers so a server restart is not met by a synchronised stampede.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const nominal = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(exponent, 16));
  const jittered = nominal * (0.75 + 0.5 * random());
  return Math.round(Math.min(BACKOFF_CAP_MS, Math.max(BACKOFF_BASE_MS / 2, jittered)));
}
