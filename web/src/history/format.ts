import type { CommandStatus, CommandView } from "../api";

/** Words for each status: the badge must never rely on colour alone. */
export const STATUS_LABEL: Record<CommandStatus, string> = {
  pending: "Pending",
  approved: "Approved",
  denied: "Denied",
  timed_out: "Timed out",
  cancelled: "Cancelled",
};

export function statusLabel(status: string): string {
  return (STATUS_LABEL as Record<string, string>)[status] ?? status;
}

/** Who decided: a reviewer's name, or the words the history table uses for the machine. */
export function decidedBy(command: Pick<CommandView, "status" | "whitelisted" | "reviewer">): string | null {
  if (command.whitelisted) return "whitelist";
  if (command.reviewer) return command.reviewer;
  if (command.status === "pending") return null;
  return "system";
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/** Compact, for table cells: the year only when it is not this year's. */
export function formatShortDateTime(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const sameYear = date.getFullYear() === now.getFullYear();
  return date.toLocaleString(undefined, {
    month: "short",
    day: "numeric",
    ...(sameYear ? {} : { year: "numeric" }),
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

/** A duration for humans: "850 ms", "12.3 s", "4 min 5 s", "2 h 3 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const sign = totalSeconds < 0 ? "-" : "";
  const s = Math.abs(totalSeconds);
  if (s < 3600) return s % 60 ? `${sign}${Math.floor(s / 60)} min ${s % 60} s` : `${sign}${s / 60} min`;
  return `${sign}${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** An offset from submission, always signed so "+0 ms" reads as "at submission". */
export function formatOffset(ms: number): string {
  return ms < 0 ? formatDuration(ms) : `+${formatDuration(ms)}`;
}
