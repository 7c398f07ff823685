/**
 * Time left before a command times out. The browser clock may be wrong; the
 * snapshot's `server_time` gives the skew, so every reviewer sees the same
 * deadline the server enforces.
 */
export const URGENT_MS = 10_000;

/** Milliseconds left, never negative. `skewMs` = server clock − browser clock. */
export function remainingMs(expiresAt: string, browserNowMs: number, skewMs: number): number {
  const deadline = Date.parse(expiresAt);
  if (!Number.isFinite(deadline)) return 0;
  return Math.max(0, deadline - (browserNowMs + skewMs));
}

/** "4:05", "0:09", "1:02:03"; rounds up so "0:00" only shows once time is up. */
export function formatRemaining(ms: number): string {
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

export function isUrgent(ms: number): boolean {
  return ms < URGENT_MS;
}

/** Spoken form for the timer's label ("1 minute 5 seconds left"). */
export function spokenRemaining(ms: number): string {
  const total = Math.ceil(ms / 1000);
  if (total <= 0) return "time is up";
  const m = Math.floor(total / 60);
  const s = total % 60;
  const parts = [];
  if (m) parts.push(`${m} minute${m === 1 ? "" : "s"}`);
  if (s || !m) parts.push(`${s} second${s === 1 ? "" : "s"}`);
  return `${parts.join(" ")} left`;
}
