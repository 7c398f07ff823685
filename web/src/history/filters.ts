import type { CommandListQuery, CommandStatus } from "../api";

/**
 * The history filters exactly as they sit in the URL, so a filtered view is a
 * link that can be shared and survives reload. Empty string means "any".
 * `since`/`until` are ISO-8601 UTC in the URL (the same instant for whoever
 * opens the link) and local time only inside the datetime-local inputs.
 */
export interface HistoryFilters {
  status: CommandStatus | "";
  agent: string;
  target: string;
  reviewer: string;
  since: string;
  until: string;
  via: Via | "";
  q: string;
}

export type Via = NonNullable<CommandListQuery["via"]>;

export const STATUSES: readonly CommandStatus[] = ["pending", "approved", "denied", "timed_out", "cancelled"];
export const VIAS: readonly Via[] = ["whitelist", "manual", "system"];

// URL order is fixed so the same filters always give the same link.
const KEYS = ["status", "agent", "target", "reviewer", "since", "until", "via", "q"] as const satisfies readonly (keyof HistoryFilters)[];

export const NO_FILTERS: HistoryFilters = {
  status: "",
  agent: "",
  target: "",
  reviewer: "",
  since: "",
  until: "",
  via: "",
  q: "",
};

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | "" {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : "";
}

function instant(value: string | null): string {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString();
}

/** Read filters from a query string; unknown values are dropped rather than sent to the server. */
export function filtersFromSearch(params: URLSearchParams): HistoryFilters {
  return {
    status: oneOf(params.get("status"), STATUSES),
    agent: params.get("agent")?.trim() ?? "",
    target: params.get("target")?.trim() ?? "",
    reviewer: params.get("reviewer")?.trim() ?? "",
    since: instant(params.get("since")),
    until: instant(params.get("until")),
    via: oneOf(params.get("via"), VIAS),
    q: params.get("q") ?? "",
  };
}

export function filtersToSearch(filters: HistoryFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of KEYS) {
    const value = filters[key].trim();
    if (value) params.set(key, value);
  }
  return params;
}

export function hasFilters(filters: HistoryFilters): boolean {
  return KEYS.some((key) => filters[key].trim() !== "");
}

/** The list endpoint's query for these filters (only the ones set). */
export function toListQuery(filters: HistoryFilters): CommandListQuery {
  const query: CommandListQuery = {};
  if (filters.status) query.status = filters.status;
  if (filters.agent.trim()) query.agent = filters.agent.trim();
  if (filters.target.trim()) query.target = filters.target.trim();
  if (filters.reviewer.trim()) query.reviewer = filters.reviewer.trim();
  if (filters.since) query.since = filters.since;
  if (filters.until) query.until = filters.until;
  if (filters.via) query.via = filters.via;
  if (filters.q.trim()) query.q = filters.q.trim();
  return query;
}

/** A datetime-local value ("2024-05-01T14:30", local time) as an ISO UTC instant, or "". */
export function localInputToIso(value: string): string {
  if (!value) return "";
  // Without a zone, the Date constructor reads date-time strings as local time.
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? "" : date.toISOString();
}

/** An ISO instant as the local "YYYY-MM-DDTHH:mm" a datetime-local input shows. */
export function isoToLocalInput(iso: string): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}
