/**
 * The reviewer WebSocket: connects, keeps the link proven alive with pings, and
 * reconnects with backoff. It knows nothing about React; `QueueProvider` wires
 * its frames into the reducer and its state into the status line.
 */
import type { ServerFrame } from "../api";
import { backoffDelay } from "./backoff";

export const PING_INTERVAL_MS = 15_000;
export const PONG_TIMEOUT_MS = 10_000;
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_POLICY = 1008;

export type ConnectionState =
  | { kind: "connecting"; attempt: number }
  | { kind: "live"; recovered: boolean }
  | { kind: "reconnecting"; attempt: number; retryInMs: number }
  | { kind: "offline" }
  | { kind: "unauthorized" }
  | { kind: "refused"; reason: string };

export interface SocketEvents {
  onFrame(frame: ServerFrame): void;
  onState(state: ConnectionState): void;
}

export interface SocketDeps {
  url: string;
  WebSocket: typeof WebSocket;
  random?: () => number;
  isOnline?: () => boolean;
}

export function reviewerSocketUrl(location: Pick<Location, "protocol" | "host">): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/api/v1/reviewer/ws`;
}

export function parseFrame(data: unknown): ServerFrame | null {
  if (typeof data !== "string") return null;
  try {
    const frame = JSON.parse(data) as { type?: unknown };
    switch (frame.type) {
      case "snapshot":
      case "pending":
      case "decided":
      case "escalated":
      case "pong":
        return frame as ServerFrame;
      default:
        return null;
    }
  } catch {
    return null;
  }
}

export class ReviewerSocket {
  private ws: WebSocket | null = null;
  /** Failed attempts since the last snapshot; 0 while live. */
  private failures = 0;
  private hadConnection = false;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly deps: SocketDeps,
    private readonly events: SocketEvents,
  ) {}

  start(): void {
    this.stopped = false;
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
    clearTimeout(this.retryTimer);
    this.teardown(1000, "client closing");
  }

  /** Skip the remaining backoff (the network came back, the user asked). */
  reconnectNow(): void {
    if (this.stopped || this.ws) return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  private readonly onOnline = () => this.reconnectNow();
  private readonly onOffline = () => {
    // The socket may take a long time to notice; drop it and wait for "online".
    this.teardown(4000, "browser offline");
    clearTimeout(this.retryTimer);
    this.events.onState({ kind: "offline" });
  };

  private online(): boolean {
    return this.deps.isOnline ? this.deps.isOnline() : navigator.onLine !== false;
  }

  private connect(): void {
    if (!this.online()) {
      this.events.onState({ kind: "offline" });
      return;
    }
    this.events.onState({ kind: "connecting", attempt: this.failures });
    let ws: WebSocket;
    try {
      ws = new this.deps.WebSocket(this.deps.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.startHeartbeat();
    ws.onmessage = (event: MessageEvent) => this.receive(event.data);
    ws.onclose = (event: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.stopHeartbeat();
      this.handleClose(event.code, event.reason);
    };
    // onerror is always followed by onclose, which does the work.
    ws.onerror = () => undefined;
  }

  private receive(data: unknown): void {
    const frame = parseFrame(data);
    if (!frame) return;
    // Any frame proves the link is alive, not only a pong.
    clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
    if (frame.type === "snapshot") {
      const recovered = this.hadConnection;
      this.failures = 0;
      this.hadConnection = true;
      this.events.onState({ kind: "live", recovered });
    }
    this.events.onFrame(frame);
  }

  private handleClose(code: number, reason: string): void {
    if (this.stopped) return;
    if (code === CLOSE_UNAUTHORIZED) {
      this.stopped = true;
      this.events.onState({ kind: "unauthorized" });
      return;
    }
    if (code === CLOSE_POLICY) {
      // A refused Origin will be refused again; retrying would only spin.
      this.stopped = true;
      this.events.onState({ kind: "refused", reason: reason || "The server refused the connection." });
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    if (!this.online()) {
      this.events.onState({ kind: "offline" });
      return;
    }
    this.failures += 1;
    const delay = backoffDelay(this.failures, this.deps.random);
    this.events.onState({ kind: "reconnecting", attempt: this.failures, retryInMs: delay });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.pingTimer = setInterval(() => this.ping(), PING_INTERVAL_MS);
  }

  private ping(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== 1 /* OPEN */) return;
    ws.send(JSON.stringify({ type: "ping" }));
    if (this.pongTimer === undefined) {
      this.pongTimer = setTimeout(() => {
        // Half-open connection: the browser may never fire close by itself.
        this.teardown(4000, "pong timeout");
        this.scheduleReconnect();
      }, PONG_TIMEOUT_MS);
    }
  }

  private stopHeartbeat(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.pingTimer = undefined;
    this.pongTimer = undefined;
  }

  private teardown(code: number, reason: string): void {
    this.stopHeartbeat();
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    try {
      ws.close(code, reason);
    } catch {
      // Already closing.
    }
  }
}
