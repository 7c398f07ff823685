/**
 * The client's one WebSocket: opening it (with backoff, at most one at a time), routing
 * every frame to the call waiting for it, and the close codes reconnecting cannot cure.
 */

import { backoffDelay } from "./backoff.js";
import { CLOSE_TIMEOUT_MS, Connection, openWebSocket, type Message } from "./connection.js";
import { ExpactiAuthenticationError, ExpactiConnectionError, ExpactiProtocolError, type ExpactiError } from "./errors.js";
import { DEFAULT_LIMITS, parseServerFrame, type HelloFrame, type Limits } from "./frames.js";
import type { OutputStream } from "./output.js";
import { policySeconds, type PendingCommand } from "./pending.js";

const STABLE_MS = 10_000; // a connection that lived this long resets the backoff
const CLOSE_POLICY = 1008; // the agent token was revoked: reconnecting cannot help
const CLOSE_TOO_BIG = 1009; // a frame exceeded the limit: re-sending it cannot help

/** Who waits for which frames: runs by `request_id`, executions by `command_id`. */
export interface Routes {
  readonly pending: Map<string, PendingCommand>;
  readonly executions: Map<string, OutputStream>;
}

/** How to connect; durations in seconds. */
export interface LinkOptions {
  readonly connectTimeout: number;
  readonly reconnectTimeout: number;
  readonly maxBackoff: number;
}

export class Link {
  #conn: Connection | null = null;
  #opening: Promise<Connection> | null = null;
  #failures = 0;
  #hello: HelloFrame | null = null;
  #closed = false;
  readonly #closing = new AbortController();
  readonly #token: string;
  readonly #options: LinkOptions;
  readonly #routes: Routes;
  readonly #warn: (message: string, error?: unknown) => void;

  constructor(
    readonly url: string,
    token: string,
    options: LinkOptions,
    routes: Routes,
    warn: (message: string, error?: unknown) => void,
  ) {
    this.#token = token;
    this.#options = options;
    this.#routes = routes;
    this.#warn = warn;
  }

  /** The connection, if it is open now. */
  get current(): Connection | null {
    const conn = this.#conn;
    return conn !== null && conn.alive ? conn : null;
  }

  /** The latest `hello`, if one came. */
  get hello(): HelloFrame | null {
    return this.#hello;
  }

  /** The limits from `hello`, else the protocol's defaults. */
  limits(): Limits {
    const limits = this.#hello?.limits ?? {};
    const pick = (key: string, fallback: number): number => {
      const value = limits[key];
      return value !== undefined && value > 0 ? value : fallback;
    };
    return {
      maxCommandBytes: pick("max_command_bytes", DEFAULT_LIMITS.maxCommandBytes),
      maxFrameBytes: pick("max_frame_bytes", DEFAULT_LIMITS.maxFrameBytes),
      maxMetadataBytes: pick("max_metadata_bytes", DEFAULT_LIMITS.maxMetadataBytes),
    };
  }

  /** Stop opening connections and close the open one (at most 4 s); idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#closing.abort();
    const conn = this.#conn;
    this.#conn = null;
    if (conn === null || conn.lost) return;
    conn.close(1000, "client closed");
    await conn.untilLost(2 * CLOSE_TIMEOUT_MS);
    conn.abort();
  }

  #checkOpen(): void {
    if (this.#closed) throw new ExpactiConnectionError("client closed");
  }

  /** The open connection, opening it (with backoff) if needed; shared by every caller. */
  open(): Promise<Connection> {
    if (this.#opening === null) {
      const opening = this.#open();
      this.#opening = opening;
      const clear = (): void => {
        if (this.#opening === opening) this.#opening = null;
      };
      opening.then(clear, clear);
    }
    return this.#opening;
  }

  /** Connect, retrying with backoff for up to `reconnectTimeout` seconds. */
  async #open(): Promise<Connection> {
    const stale = this.#conn;
    if (stale !== null && !stale.lost) {
      // At most one socket at a time: let the old one finish closing, or drop it.
      await stale.untilLost(2 * CLOSE_TIMEOUT_MS);
      stale.abort();
    }
    const giveUp = performance.now() + this.#options.reconnectTimeout * 1000;
    let lastError: Error | null = null;
    for (;;) {
      const delay = backoffDelay(this.#failures, this.#options.maxBackoff) * 1000;
      if (lastError !== null && performance.now() + delay >= giveUp) {
        throw new ExpactiConnectionError(`could not connect to ${this.url}: ${lastError.message}`, {
          cause: lastError,
        });
      }
      await sleep(Math.min(delay, Math.max(giveUp - performance.now(), 0)), this.#closing.signal);
      this.#checkOpen();
      const left = Math.max(giveUp - performance.now(), 1);
      let conn: Connection;
      try {
        conn = await openWebSocket(
          this.url,
          this.#token,
          Math.min(this.#options.connectTimeout * 1000, left),
          (ws) =>
            new Connection(
              ws,
              (from, message) => this.#onMessage(from, message),
              (closed) => this.#onClose(closed),
            ),
        );
      } catch (error) {
        if (error instanceof ExpactiAuthenticationError) throw error;
        lastError = error as Error;
        this.#failures += 1;
        continue;
      }
      if (this.#closed) {
        conn.abort();
        throw new ExpactiConnectionError("client closed");
      }
      this.#conn = conn;
      return conn;
    }
  }

  #onClose(conn: Connection): void {
    const lived = performance.now() - conn.openedAt;
    this.#failures = lived >= STABLE_MS ? 1 : this.#failures + 1;
    if (this.#conn === conn) this.#conn = null;
    this.#failOnTerminalClose(conn);
  }

  /** After a close that reconnecting cannot cure, fail the runs waiting on `conn`. */
  #failOnTerminalClose(conn: Connection): void {
    let error: ExpactiError;
    if (conn.closeCode === CLOSE_POLICY && conn.closedByServer) {
      const reason = conn.closeReason ? `: ${conn.closeReason}` : "";
      error = new ExpactiAuthenticationError(
        `the server closed the connection: the token was revoked or refused (close code 1008${reason})`,
        401,
      );
    } else if (conn.closeCode === CLOSE_TOO_BIG || conn.tooBig) {
      const what = conn.tooBig ? "a frame from the server" : "a frame from the client";
      error = new ExpactiProtocolError(`the connection was closed because ${what} was too large (close code 1009)`);
    } else {
      return;
    }
    this.#warn(error.message);
    for (const pending of this.#routes.pending.values()) {
      if (pending.conn === conn) pending.deliver(error);
    }
    for (const stream of this.#routes.executions.values()) {
      if (error instanceof ExpactiAuthenticationError) stream.fail(error.message);
    }
  }

  #onMessage(conn: Connection, message: Message): void {
    if (!this.#dispatch(message)) conn.close(1002, "invalid frame");
  }

  /** Hand one frame to its waiter; false when the connection can no longer be trusted. */
  #dispatch(message: Message): boolean {
    let frame;
    try {
      frame = parseServerFrame(message);
    } catch (error) {
      const invalid = error as ExpactiProtocolError;
      if (invalid.requestId !== null) {
        const pending = this.#routes.pending.get(invalid.requestId);
        if (pending !== undefined) pending.deliver(invalid);
        else this.#warn(`ignoring ${invalid.message}`);
        return true;
      }
      // Nobody can tell whose frame it was: every waiter fails, closed.
      for (const pending of this.#routes.pending.values()) {
        pending.deliver(new ExpactiProtocolError(invalid.message, { requestId: pending.requestId }));
      }
      return false;
    }
    switch (frame.type) {
      case "hello": {
        this.#hello = frame;
        const policy = policySeconds(frame.limits);
        for (const pending of this.#routes.pending.values()) pending.setPolicy(policy);
        return true;
      }
      case "exec_ack":
        this.#routes.executions.get(frame.commandId)?.acknowledged(frame);
        return true;
      case "pong":
        return true;
      case "error":
        if (
          frame.requestId === null &&
          this.#routes.executions.size > 0 &&
          ((frame.commandId !== null && this.#routes.executions.has(frame.commandId)) || frame.code === "unknown_frame_type")
        ) {
          for (const [commandId, stream] of this.#routes.executions) {
            // null: a server that does not know execution frames refused one
            if (frame.commandId === null || frame.commandId === commandId) {
              stream.refused(frame, (message) => this.#warn(message));
            }
          }
          return true;
        }
        if (frame.requestId === null) {
          this.#warn(`the server reported ${frame.code}: ${frame.message}`);
        } else {
          this.#routes.pending.get(frame.requestId)?.deliver(frame);
        }
        return true;
      default:
        this.#routes.pending.get(frame.requestId)?.deliver(frame);
        return true;
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
