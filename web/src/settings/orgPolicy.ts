/** Checks and conversions for the organisation policy forms; the server checks again. */
import type { WorkingHours } from "../api";

/** From this risk score up a senior decides; 101 turns senior routing off (identity/orgs.py). */
export const SENIOR_THRESHOLD_OFF = 101;
/** The egress allow-list holds at most this many hosts (identity/orgs.py MAX_EGRESS_HOSTS). */
export const MAX_EGRESS_HOSTS = 200;

export const WEEKDAYS: readonly { iso: number; short: string; long: string }[] = [
  { iso: 1, short: "Mon", long: "Monday" },
  { iso: 2, short: "Tue", long: "Tuesday" },
  { iso: 3, short: "Wed", long: "Wednesday" },
  { iso: 4, short: "Thu", long: "Thursday" },
  { iso: 5, short: "Fri", long: "Friday" },
  { iso: 6, short: "Sat", long: "Saturday" },
  { iso: 7, short: "Sun", long: "Sunday" },
];

export function thresholdProblem(raw: string): string | null {
  const text = raw.trim();
  if (!/^\d+$/.test(text)) return "Enter a whole number from 0 to 101.";
  const n = Number(text);
  return n > SENIOR_THRESHOLD_OFF ? "The highest is 101 (no senior routing)." : null;
}

export function describeThreshold(threshold: number): string {
  if (threshold >= SENIOR_THRESHOLD_OFF) return "Off: risk alone never sends a command to a senior.";
  return `Commands with risk ${threshold} or more need a senior or an admin (unless an approval policy says otherwise).`;
}

export interface HoursDraft {
  enabled: boolean;
  timezone: string;
  days: number[];
  start: string;
  end: string;
}

export const DEFAULT_HOURS: Omit<HoursDraft, "enabled"> = { timezone: "", days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" };

export function hoursDraftOf(hours: WorkingHours | null, browserZone = localZone()): HoursDraft {
  return hours ? { enabled: true, ...hours, days: [...hours.days].sort() } : { enabled: false, ...DEFAULT_HOURS, timezone: browserZone };
}

export function localZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone ?? "";
  } catch {
    return "";
  }
}

const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;

export interface HoursProblems {
  timezone?: string;
  days?: string;
  start?: string;
  end?: string;
}

export function hoursProblems(draft: HoursDraft): HoursProblems {
  if (!draft.enabled) return {};
  const problems: HoursProblems = {};
  if (!draft.timezone.trim()) problems.timezone = "Enter a time zone, such as Europe/Berlin.";
  if (draft.days.length === 0) problems.days = "Pick at least one day.";
  if (!CLOCK.test(draft.start)) problems.start = "Enter a time as HH:MM.";
  if (!CLOCK.test(draft.end)) problems.end = "Enter a time as HH:MM.";
  else if (draft.start === draft.end) problems.end = "The end must differ from the start.";
  return problems;
}

export function hoursOf(draft: HoursDraft): WorkingHours | null {
  if (!draft.enabled) return null;
  return { timezone: draft.timezone.trim(), days: [...draft.days].sort(), start: draft.start, end: draft.end };
}

/** One host per line (commas and spaces also separate); blank lines dropped. */
export function parseHosts(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
}

export function egressProblem(hosts: string[]): string | null {
  if (hosts.length > MAX_EGRESS_HOSTS) return `At most ${MAX_EGRESS_HOSTS} hosts.`;
  const long = hosts.find((h) => h.length > 253);
  if (long) return `“${long.slice(0, 40)}…” is longer than a host name can be.`;
  const url = hosts.find((h) => h.includes("/"));
  return url ? `“${url}”: enter host names only, without https:// or a path.` : null;
}
