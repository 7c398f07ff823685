import { formatRemaining, isUrgent, remainingMs, spokenRemaining } from "./countdown";
import { useNow } from "./useNow";

/** Live time left before the command is timed out (auto-denied). */
export function Countdown({ expiresAt, skewMs }: { expiresAt: string; skewMs: number }) {
  const now = useNow();
  const left = remainingMs(expiresAt, now, skewMs);
  const urgent = isUrgent(left);
  return (
    <span
      role="timer"
      aria-live="off"
      aria-label={`Times out: ${spokenRemaining(left)}`}
      className={`countdown${urgent ? " countdown--urgent" : ""}`}
      data-urgent={urgent || undefined}
    >
      {left > 0 ? `${formatRemaining(left)} left` : "timing out…"}
    </span>
  );
}
