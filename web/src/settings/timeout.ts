/** The server's bounds for the org decision timeout (identity/service.py). */
export const MIN_TIMEOUT_SECONDS = 30;
export const MAX_TIMEOUT_SECONDS = 600;

export const PRESETS: readonly { seconds: number; label: string }[] = [
  { seconds: 30, label: "30 s" },
  { seconds: 60, label: "1 min" },
  { seconds: 120, label: "2 min" },
  { seconds: 300, label: "5 min" },
  { seconds: 600, label: "10 min" },
];

/** Why the typed value cannot be saved, or null when it can. */
export function timeoutProblem(raw: string): string | null {
  const text = raw.trim();
  if (!text) return "Enter a number of seconds.";
  if (!/^\d+$/.test(text)) return "Enter a whole number of seconds.";
  const seconds = Number(text);
  if (seconds < MIN_TIMEOUT_SECONDS) return `The shortest timeout is ${MIN_TIMEOUT_SECONDS} seconds.`;
  if (seconds > MAX_TIMEOUT_SECONDS) return `The longest timeout is ${MAX_TIMEOUT_SECONDS} seconds (10 minutes).`;
  return null;
}

/** "90 s" → "1 min 30 s": the seconds field is exact, this is the human reading of it. */
export function describeTimeout(seconds: number): string {
  if (seconds < 60) return `${seconds} seconds`;
  const min = Math.floor(seconds / 60);
  const sec = seconds % 60;
  const minutes = `${min} ${min === 1 ? "minute" : "minutes"}`;
  return sec ? `${minutes} ${sec} seconds` : minutes;
}
