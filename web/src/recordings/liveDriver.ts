/**
 * A custom asciinema-player driver for watching a recording while it is being
 * written, fed by the server's `/api/v1/recordings/{id}/live` WebSocket.
 *
 * Why not the player's own `websocket` driver: it picks its message format
 * from the WebSocket subprotocol the server selects (`v2.asciicast`, `v1.alis`…)
 * and falls back to "raw terminal bytes" when none is selected, and it cannot
 * be told to skip that negotiation. Our server sends plain text messages —
 * the asciicast v2 header object, then each event array `[time, code, data]`
 * (what is recorded so far, then new events as they are written) — and
 * closes with 1000 when the recording finishes. This driver reads exactly
 * that, whatever the handshake says, and hands the player the same
 * `reset` / `output` / `resize` / `marker` / `input` events its built-in
 * drivers dispatch (asciinema-player 3.17 `Core._dispatchEvent`).
 *
 * Events are applied as they arrive: the backlog draws the terminal as it is
 * now, and live output appears the moment the server relays it.
 */

/** The player's side of a driver: the events it understands. */
export type Dispatch = (event: string, data?: unknown) => void;

/** What asciinema-player passes a driver factory (`Core._init`). */
export interface DriverCallbacks {
  dispatch: Dispatch;
}

/** The driver methods asciinema-player calls; the ones left out get its defaults. */
export interface LiveDriver {
  play(): boolean;
  stop(): void;
  getCurrentTime(): number | undefined;
}

export type DriverFactory = (callbacks: DriverCallbacks) => LiveDriver;

export interface LiveDriverOptions {
  WebSocketImpl?: typeof WebSocket;
  /** The server closed normally: the recording is finished. */
  onFinished?: () => void;
  /** A command marker arrived (a new command started). */
  onMarker?: (time: number, label: string) => void;
  /** Reconnect delay after an unexpected close, by attempt (0, 1, 2…), in ms. */
  retryDelay?: (attempt: number) => number;
}

/** The normal close the server sends when the recording finishes. */
export const FINISHED_CLOSE = 1000;

/** Live URL of a recording, on this page's origin (ws: or wss:). */
export function liveRecordingUrl(id: string, location: Pick<Location, "protocol" | "host"> = window.location): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/api/v1/recordings/${encodeURIComponent(id)}/live`;
}

function defaultRetryDelay(attempt: number): number {
  return Math.min(500 * 2 ** attempt, 10_000);
}

interface CastHeader {
  version: number;
  width: number;
  height: number;
}

function isHeader(value: unknown): value is CastHeader {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const header = value as Record<string, unknown>;
  return header.version === 2 && typeof header.width === "number" && typeof header.height === "number";
}

/** `"100x30"` → `{cols: 100, rows: 30}`; anything else → null. */
export function parseSize(data: unknown): { cols: number; rows: number } | null {
  if (typeof data !== "string") return null;
  const match = /^(\d+)x(\d+)$/.exec(data);
  if (!match) return null;
  return { cols: Number(match[1]), rows: Number(match[2]) };
}

export function liveDriver(url: string, options: LiveDriverOptions = {}): DriverFactory {
  const { WebSocketImpl = WebSocket, onFinished, onMarker, retryDelay = defaultRetryDelay } = options;

  return ({ dispatch }) => {
    let socket: WebSocket | null = null;
    let stopped = false;
    let gotHeader = false;
    let time: number | undefined;
    let markerIndex = 0;
    let attempt = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;

    function apply(event: unknown[]): void {
      const [t, code, data] = event;
      if (typeof t !== "number") return;
      time = t;
      switch (code) {
        case "o":
          if (typeof data === "string") dispatch("output", data);
          break;
        case "i":
          if (typeof data === "string") dispatch("input", { data });
          break;
        case "r": {
          const size = parseSize(data);
          if (size) dispatch("resize", size);
          break;
        }
        case "m": {
          const label = typeof data === "string" ? data : "";
          dispatch("marker", { index: markerIndex++, time: t, label });
          onMarker?.(t, label);
          break;
        }
      }
    }

    function receive(text: unknown): void {
      if (typeof text !== "string") return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return; // not ours to guess at; the next line starts clean
      }
      if (!gotHeader) {
        if (!isHeader(value)) return;
        gotHeader = true;
        attempt = 0;
        markerIndex = 0;
        time = 0;
        // Every (re)connection starts from the header and the whole backlog: start the terminal afresh.
        dispatch("reset", { size: { cols: value.width, rows: value.height }, init: undefined, theme: null });
        dispatch("playing");
        return;
      }
      if (Array.isArray(value)) apply(value);
    }

    function connect(): void {
      gotHeader = false;
      const ws = new WebSocketImpl(url);
      socket = ws;
      ws.onmessage = (e: MessageEvent) => receive(e.data);
      ws.onclose = (e: CloseEvent) => {
        if (stopped || socket !== ws) return;
        socket = null;
        if (e.code === FINISHED_CLOSE) {
          stopped = true;
          dispatch("ended", { message: "Recording finished" });
          onFinished?.();
          return;
        }
        dispatch("loading");
        retry = setTimeout(connect, retryDelay(attempt++));
      };
    }

    return {
      play() {
        if (socket || stopped) return true;
        dispatch("play");
        connect();
        return true;
      },
      stop() {
        stopped = true;
        clearTimeout(retry);
        const ws = socket;
        socket = null;
        ws?.close();
      },
      getCurrentTime() {
        return time;
      },
    };
  };
}
