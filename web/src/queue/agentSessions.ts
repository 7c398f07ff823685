/**
 * Agent sessions (`GET /api/v1/sessions/{id}`) as the queue's cards show them:
 * fetched only when a card asks, kept per session id, and refetched when the
 * reviewer feed says a command of that session changed.
 */
import { api, asApiError, call, type AgentSessionDetail, type ApiError } from "../api";

export type AgentSessionLoad =
  | { status: "idle" }
  | { status: "loading"; detail: AgentSessionDetail | null }
  | { status: "ready"; detail: AgentSessionDetail }
  | { status: "error"; error: ApiError; detail: AgentSessionDetail | null };

type Fetcher = (id: string, signal: AbortSignal) => Promise<AgentSessionDetail>;

export const fetchAgentSession: Fetcher = (id, signal) =>
  call(api.GET("/api/v1/sessions/{session_id}", { params: { path: { session_id: id } }, signal }));

const IDLE: AgentSessionLoad = { status: "idle" };

interface Entry {
  load: AgentSessionLoad;
  /** Something changed since the last fetch: the next `load` fetches again. */
  stale: boolean;
  controller: AbortController | null;
}

export class AgentSessionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Map<string, Set<() => void>>();

  constructor(private readonly fetcher: Fetcher = fetchAgentSession) {}

  get(id: string): AgentSessionLoad {
    return this.entries.get(id)?.load ?? IDLE;
  }

  subscribe(id: string, listener: () => void): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
    };
  }

  /** Fetch unless a fresh copy is held or on its way. */
  load(id: string): void {
    const entry = this.entries.get(id);
    if (entry && (entry.controller || (!entry.stale && entry.load.status === "ready"))) return;
    this.fetch(id);
  }

  /** A command of the session changed: refetch now if a card shows it, else on next look. */
  invalidate(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.stale = true;
    if (this.listeners.has(id)) {
      entry.controller?.abort();
      entry.controller = null;
      this.fetch(id);
    }
  }

  /** Forget everything (sign-out, unmount). */
  clear(): void {
    for (const entry of this.entries.values()) entry.controller?.abort();
    this.entries.clear();
  }

  private fetch(id: string): void {
    const previous = this.entries.get(id)?.load;
    const detail = previous && previous.status !== "idle" ? previous.detail : null;
    const controller = new AbortController();
    const entry: Entry = { load: { status: "loading", detail }, stale: false, controller };
    this.set(id, entry);
    this.fetcher(id, controller.signal).then(
      (fresh) => {
        if (controller.signal.aborted) return;
        this.set(id, { load: { status: "ready", detail: fresh }, stale: entry.stale, controller: null });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        this.set(id, { load: { status: "error", error: asApiError(error), detail }, stale: true, controller: null });
      },
    );
  }

  private set(id: string, entry: Entry): void {
    this.entries.set(id, entry);
    for (const listener of this.listeners.get(id) ?? []) listener();
  }
}
