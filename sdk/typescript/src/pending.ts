/** One `run()` waiting for its decision: its submit frame, deadline and routed frames. */

import type { Connection } from "./connection.js";
import type { Progress } from "./decision.js";
import type { ExpactiError } from "./errors.js";
import {
  MAX_TIMEOUT_SECONDS,
  toProgress,
  type AcceptedFrame,
  type DecisionFrame,
  type ErrorFrame,
  type ProgressFrame,
} from "./frames.js";

/** How much longer than the server's timeout the client waits, for network slack. */
export const GRACE_SECONDS = 5;

/** What the reader hands a waiting run(): a frame for it, or the error that ends it. */
export type PendingEvent = AcceptedFrame | ProgressFrame | DecisionFrame | ErrorFrame | ExpactiError;

/** `run({ onProgress })`: called with each Progress of the command. */
export type ProgressCallback = (progress: Progress) => void;

/** The organisation's timeout from a `hello` frame's `limits`, if it is usable. */
export function policySeconds(limits: Readonly<Record<string, number>>): number | null {
  const value = limits["timeout_seconds"];
  return value !== undefined && value > 0 && value <= MAX_TIMEOUT_SECONDS ? value : null;
}

/**
 * One `run()` waiting for its decision, and the frames routed to it.
 *
 * The deadline is made of durations on the monotonic clock (`performance.now()`), never of
 * the server's wall-clock `expires_at`: a client clock that is off cannot shorten the
 * wait. It is the run's own `timeout`, else the organisation's policy from `hello`, else
 * the protocol's maximum, plus the grace, counted from when the submit was first sent
 * (from the call until then). An escalation that moves `expires_at` later extends the wait
 * of a run without its own `timeout` by as much (two server timestamps, so still immune to
 * the client's clock).
 */
export class PendingCommand {
  readonly started = performance.now();
  sentAt: number | null = null;
  commandId: string | null = null;
  /** The server's `expires_at` from the latest `accepted` or `progress`; informative. */
  expiresAt: Date | null = null;
  /** The connection the submit was last sent on. */
  conn: Connection | null = null;
  /** Milliseconds on the monotonic clock. */
  deadline = 0;
  /** Set once the caller's AbortSignal fired: the signal's reason. */
  abortReason: unknown = undefined;
  aborted = false;
  #extension = 0;
  readonly #events: PendingEvent[] = [];
  #wake: (() => void) | null = null;

  constructor(
    readonly requestId: string,
    readonly command: string,
    readonly frame: string,
    readonly timeout: number | null,
    public policy: number | null,
    readonly onProgress: ProgressCallback | undefined,
    readonly onError: (message: string, error: unknown) => void,
  ) {
    this.#updateDeadline();
  }

  /** Seconds a human has to decide, as far as the client knows. */
  get budget(): number {
    return this.timeout ?? this.policy ?? MAX_TIMEOUT_SECONDS;
  }

  /** Record that the submit went out; the first one starts the server's clock. */
  sent(): void {
    if (this.sentAt === null) {
      this.sentAt = performance.now();
      this.#updateDeadline();
    }
  }

  /** Apply the organisation's timeout from a `hello` and wake the waiter. */
  setPolicy(policy: number | null): void {
    if (policy === null || policy === this.policy) return;
    this.policy = policy;
    this.#updateDeadline();
    this.#wakeUp();
  }

  /** Apply a `progress` frame: its `expires_at`, then tell `onProgress`. */
  progressed(frame: ProgressFrame): void {
    const previous = this.expiresAt;
    this.expiresAt = frame.expiresAt;
    if (frame.escalated && this.timeout === null && previous !== null) {
      const moved = (frame.expiresAt.getTime() - previous.getTime()) / 1000;
      if (moved > 0) {
        this.#extension = Math.min(this.#extension + moved, MAX_TIMEOUT_SECONDS);
        this.#updateDeadline();
      }
    }
    if (this.onProgress === undefined) return;
    try {
      this.onProgress(toProgress(frame));
    } catch (error) {
      this.onError(`the onProgress callback of ${this.requestId} threw`, error);
    }
  }

  /** The caller's signal fired: wake the waiter, which cancels the command. */
  abort(reason: unknown): void {
    this.aborted = true;
    this.abortReason = reason;
    this.#wakeUp();
  }

  /** Queue `event` and wake the waiting run(). */
  deliver(event: PendingEvent): void {
    this.#events.push(event);
    this.#wakeUp();
  }

  /** The oldest queued event, or undefined. */
  take(): PendingEvent | undefined {
    return this.#events.shift();
  }

  /**
   * Resolve when an event is queued, the run is aborted, `conn` is lost or `until`
   * settles, or `ms` passed; whichever comes first. `fresh`: only an event queued from
   * now on counts (the queued ones wait for whoever reads them next).
   */
  wait(
    ms: number,
    conn: Connection | null = null,
    until: Promise<unknown> | null = null,
    fresh = false,
  ): Promise<void> {
    if ((!fresh && this.#events.length > 0) || this.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let finished = false;
      const done = (): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        unsubscribe();
        if (this.#wake === done) this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, Math.max(ms, 0));
      const unsubscribe = conn === null ? () => {} : conn.whenLost(done);
      until?.then(done, done);
      this.#wake = done;
    });
  }

  #updateDeadline(): void {
    const start = this.sentAt ?? this.started;
    this.deadline = start + (this.budget + this.#extension + GRACE_SECONDS) * 1000;
  }

  #wakeUp(): void {
    this.#wake?.();
  }
}
