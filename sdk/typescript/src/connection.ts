/** One WebSocket to the server: opening it with the agent token, sending on it, its close. */

import type { IncomingMessage } from "node:http";
// Named imports: a default import would need esModuleInterop in every consumer's types.
import { WebSocket, type ClientOptions } from "ws";

import { ExpactiAuthenticationError } from "./errors.js";
import { VERSION } from "./version.js";

const USER_AGENT = `expacti-typescript/${VERSION}`;
const MAX_ERROR_BODY = 64 * 1024;

/** How long a closing handshake may take before the socket is dropped. */
export const CLOSE_TIMEOUT_MS = 2000;

/** A connection that does not answer a ping within this long is dropped (and resumed). */
const PING_INTERVAL_MS = 20_000;

/** Frames larger than this from the server close the connection (1009), as in Python. */
export const MAX_INCOMING_FRAME_BYTES = 1024 * 1024;

/** What the socket hands over: a text frame's text, or a binary frame's bytes. */
export type Message = string | Uint8Array;

/**
 * An open WebSocket. `whenLost()` callbacks run once it is closed, for whatever reason,
 * after every frame that arrived before the close was handed to `onMessage`.
 */
export class Connection {
  readonly openedAt = performance.now();
  /** The close code and whether the server chose it (false: the client or the network). */
  closeCode: number | null = null;
  closeReason = "";
  closedByServer = false;
  /** The server sent a frame larger than MAX_INCOMING_FRAME_BYTES. */
  tooBig = false;
  #lost = false;
  #closingByUs = false;
  readonly #onLost = new Set<() => void>();
  readonly #heartbeat: NodeJS.Timeout;
  #answered = true;

  constructor(
    readonly ws: WebSocket,
    onMessage: (conn: Connection, message: Message) => void,
    onClose: (conn: Connection) => void,
  ) {
    ws.on("message", (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      onMessage(this, isBinary ? new Uint8Array(bytes) : bytes.toString("utf8"));
    });
    ws.on("error", (error: Error & { code?: string }) => {
      if (error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") this.tooBig = true;
    });
    ws.on("pong", () => {
      this.#answered = true;
    });
    // A link that died silently (no FIN) would otherwise only be noticed at the deadline.
    this.#heartbeat = setInterval(() => {
      if (!this.#answered) {
        this.abort();
        return;
      }
      this.#answered = false;
      if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
    }, PING_INTERVAL_MS).unref();
    ws.on("close", (code: number, reason: Buffer) => {
      clearInterval(this.#heartbeat);
      this.closeCode = code;
      this.closeReason = reason.toString("utf8");
      this.closedByServer = !this.#closingByUs && code !== 1006;
      onClose(this);
      this.#markLost();
    });
  }

  /** Whether frames can still be sent and received. */
  get alive(): boolean {
    return !this.#lost && this.ws.readyState === WebSocket.OPEN;
  }

  /** Whether the close was seen and every frame before it handled. */
  get lost(): boolean {
    return this.#lost;
  }

  /** Call `callback` once the connection is lost (at once if it is); returns an unsubscribe. */
  whenLost(callback: () => void): () => void {
    if (this.#lost) {
      queueMicrotask(callback);
      return () => {};
    }
    this.#onLost.add(callback);
    return () => this.#onLost.delete(callback);
  }

  /** Resolve once the connection is lost, or after `ms`, whichever comes first. */
  untilLost(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(ms, 0));
      const unsubscribe = this.whenLost(done);
      function done(): void {
        clearTimeout(timer);
        unsubscribe();
        resolve();
      }
    });
  }

  /**
   * Queue one frame for sending; false when the connection is gone (it is then on its way
   * to lost). The socket writes queued frames in order and never blocks the caller.
   */
  send(text: string): boolean {
    if (!this.alive) return false;
    this.ws.send(text, () => {
      // A failed write closes the socket; the close event tells everyone who cares.
    });
    return true;
  }

  /** Start a closing handshake; the close event follows (or `abort()` cuts it short). */
  close(code = 1000, reason = ""): void {
    this.#closingByUs = true;
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(code, reason);
    }
  }

  /** Drop the socket now, without a closing handshake (idempotent, never blocks). */
  abort(): void {
    this.#closingByUs = true;
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
  }

  #markLost(): void {
    if (this.#lost) return;
    this.#lost = true;
    const callbacks = [...this.#onLost];
    this.#onLost.clear();
    for (const callback of callbacks) callback();
  }
}

/** Throw TypeError unless `url` is a ws:// or wss:// URL. */
export function checkUrl(url: unknown): asserts url is string {
  let parsed: URL | null = null;
  try {
    parsed = typeof url === "string" ? new URL(url) : null;
  } catch {
    parsed = null;
  }
  if (parsed === null || (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") || !parsed.host) {
    throw new TypeError(`expected a ws:// or wss:// URL, got ${JSON.stringify(url)}`);
  }
}

/** Throw TypeError unless `token` can travel in an Authorization header. */
export function checkToken(token: unknown): asserts token is string {
  if (typeof token !== "string" || token === "" || !/^[\x21-\x7e]+$/.test(token)) {
    throw new TypeError("the token must be a non-empty string of printable ASCII without spaces");
  }
}

/**
 * Make one connection attempt, bounded by `timeoutMs`, and make it a Connection at once.
 *
 * `connect` runs inside the socket's "open" event: `ws` hands over the frames that came
 * with the handshake's last bytes (the server's `hello`) right after that event, before
 * any code awaiting this promise could listen for them.
 *
 * Rejects with ExpactiAuthenticationError when the server refuses the token (never worth
 * a retry), or with another Error that is (the server is unreachable, or answered with
 * something else than a WebSocket).
 */
export function openWebSocket<T>(
  url: string,
  token: string,
  timeoutMs: number,
  connect: (ws: WebSocket) => T,
): Promise<T> {
  return new Promise((resolve, reject) => {
    // closeTimeout (ws >= 8.19) is missing from @types/ws 8.18.
    const options: ClientOptions & { closeTimeout: number } = {
      headers: { Authorization: `Bearer ${token}`, "User-Agent": USER_AGENT },
      handshakeTimeout: Math.max(Math.round(timeoutMs), 1),
      maxPayload: MAX_INCOMING_FRAME_BYTES,
      closeTimeout: CLOSE_TIMEOUT_MS,
      perMessageDeflate: false,
    };
    const ws = new WebSocket(url, options);
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      ws.removeAllListeners("open");
      ws.terminate();
      reject(error);
    };
    ws.on("error", fail);
    ws.on("upgrade", (response: IncomingMessage) => {
      // The connection must not keep Node running on its own: every wait of the client
      // has its own timer, and a script that forgot close() still exits.
      response.socket.unref();
    });
    ws.on("unexpected-response", (request, response) => {
      readBody(response).then(
        (body) => {
          request.destroy();
          const status = response.statusCode ?? 0;
          const why = errorMessage(body);
          if (status === 401 || status === 403) {
            fail(
              new ExpactiAuthenticationError(
                `the server refused the token (HTTP ${status}${why ? `: ${why}` : ""})`,
                status,
              ),
            );
          } else {
            fail(new Error(`the server answered HTTP ${status} instead of a WebSocket${why ? `: ${why}` : ""}`));
          }
        },
        (error: Error) => fail(error),
      );
    });
    ws.once("open", () => {
      if (settled) return;
      settled = true;
      ws.removeListener("error", fail);
      resolve(connect(ws));
    });
  });
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_ERROR_BODY) chunks.push(chunk);
    });
    response.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    response.on("error", reject);
  });
}

/** `error.message` of the server's JSON error body, if it has one. */
export function errorMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    const error = (parsed as { error?: { message?: unknown } } | null)?.error;
    return typeof error?.message === "string" ? error.message : "";
  } catch {
    return "";
  }
}
