import type { AuditEventView } from "../api";
import { statusLabel } from "./format";

export interface TimelineEntry {
  id: number;
  at: string;
  /** Milliseconds since the command was submitted. */
  offsetMs: number;
  title: string;
  /** Set when the event concerns a whitelist rule (link target). */
  ruleId: string | null;
  note: string | null;
}

const DECISIONS = ["approved", "denied", "timed_out", "cancelled"] as const;

/**
 * The decision an event records. The contract names them `command.approved`
 * and so on; the server also writes `command.decided` with `data.decision`.
 */
export function decisionOf(event: AuditEventView): string | null {
  const suffix = event.action.startsWith("command.") ? event.action.slice("command.".length) : "";
  if ((DECISIONS as readonly string[]).includes(suffix)) return suffix;
  if (event.action === "command.decided") {
    const decision = event.data.decision;
    return typeof decision === "string" ? decision : null;
  }
  return null;
}

function actor(event: AuditEventView): string {
  return event.actor_name ?? event.actor_id ?? event.actor_type;
}

function titleOf(event: AuditEventView): string {
  const decision = decisionOf(event);
  if (decision) {
    const label = statusLabel(decision);
    if (event.data.whitelisted === true || (event.rule_id && event.actor_type === "system")) {
      return `${label} by whitelist rule`;
    }
    if (event.actor_type === "system") return label;
    return `${label} by ${actor(event)}`;
  }
  switch (event.action) {
    case "command.submitted":
      return `Submitted by ${actor(event)}`;
    case "command.notified": {
      const n = event.data.reviewers;
      if (typeof n !== "number") return "Reviewers notified";
      return n === 0 ? "No reviewer was online to notify" : `${n} ${n === 1 ? "reviewer" : "reviewers"} notified`;
    }
    case "whitelist.created":
      return `Whitelist rule created by ${actor(event)}`;
    case "whitelist.matched":
      return "Matched a whitelist rule";
    default:
      return `${event.action} (${actor(event)})`;
  }
}

function noteOf(event: AuditEventView): string | null {
  const note = event.data.notes ?? event.data.note ?? event.data.reason;
  return typeof note === "string" && note.trim() ? note : null;
}

/**
 * Audit events as a timeline, oldest first, each with its offset from the
 * submission. The server sends them oldest first already; sorting again costs
 * nothing and keeps the order right if two sources are ever merged.
 */
export function buildTimeline(events: AuditEventView[], createdAt?: string): TimelineEntry[] {
  const sorted = [...events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.id - b.id);
  const submitted = sorted.find((e) => e.action === "command.submitted");
  const origin = Date.parse(submitted?.at ?? createdAt ?? sorted[0]?.at ?? "");
  return sorted.map((event) => ({
    id: event.id,
    at: event.at,
    offsetMs: Number.isNaN(origin) ? 0 : Date.parse(event.at) - origin,
    title: titleOf(event),
    ruleId: event.rule_id,
    note: noteOf(event),
  }));
}
