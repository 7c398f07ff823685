/** ExpactiClient: one WebSocket shared by many concurrent `run()` and `execute()` calls. */

import { randomUUID } from "node:crypto";

import { backoffDelay } from "./backoff.js";
import { CLOSE_TIMEOUT_MS, checkToken, checkUrl, type Connection } from "./connection.js";
import type { Decision } from "./decision.js";
import {
  abortError,
  CommandDeniedError,
  CommandTimeoutError,
  ExpactiConnectionError,
  ExpactiError,
  ExpactiProtocolError,
} from "./errors.js";
import { executeApproved, type ExecuteOptions, type ExecutionResult, type RunningExecution } from "./execution.js";
import {
  cancelFrame,
  checkTimeout,
  sessionEndFrame,
  submitFrame,
  toDecision,
  type DecisionFrame,
  type ErrorFrame,
  type SessionInfo,
  type SessionStatus,
} from "./frames.js";
import type { OutputStream } from "./output.js";
import { Link } from "./link.js";
import { PendingCommand, policySeconds, type ProgressCallback } from "./pending.js";
import { Session, type SessionOptions } from "./session.js";
import { TIMED_OUT, within } from "./within.js";


/** Where the SDK reports what it cannot raise (a callback that threw, a lost recording). */
export interface Logger {
  warn(message: string, ...details: unknown[]): void;
}

/** `new ExpactiClient(options)`. Durations are in seconds, like the protocol's. */
export interface ClientOptions {
  /** The agent WebSocket, e.g. `ws://localhost:3001/shell/ws` (wss:// in production). */
  url: string;
  /** The agent token; sent as `Authorization: Bearer`, never in the URL. */
  token: string;
  /** One connection attempt's limit (default 10). */
  connectTimeout?: number;
  /** How long to keep trying to (re)connect before failing the waiting calls (default 60). */
  reconnectTimeout?: number;
  /** The longest pause between two connection attempts (default 5). */
  maxBackoff?: number;
  /** Bound of `execute()`'s output kept until the server acknowledged it (default 4 MiB). */
  outputBufferBytes?: number;
  /** How long `execute()` waits, once the command ended, for the last ack (default 5). */
  outputAckTimeout?: number;
  /** Warnings (a callback that threw, output the server did not take); default: none. */
  logger?: Logger;
}

/** `run(command, options)`. */
export interface RunOptions {
  /** The host, cluster or environment the command is for (whitelist scopes use it). */
  target?: string;
  /** Seconds a human has to decide, more than 0 and at most 600 (the server gets its ceiling). */
  timeout?: number;
  /** Free-form JSON shown to reviewers. */
  context?: Record<string, unknown>;
  /** False: a denial, cancellation or timeout resolves with the Decision instead of rejecting. */
  raiseOnDeny?: boolean;
  /** Called after each partial approval of a multi-party command, and on escalation. */
  onProgress?: ProgressCallback;
  /** Aborting it cancels the command on the server and rejects the call. */
  signal?: AbortSignal;
  /** What the agent is working on; `client.session()` fills it in for you. */
  session?: SessionInfo;
}

const DEFAULT_OUTPUT_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Asks an expacti server for approval before a command runs.
 *
 * At most one WebSocket per client, opened on first use and shared by concurrent calls.
 * If it drops, the client reconnects with backoff and resumes every wait by its
 * `request_id`, without creating a second command. The connection never keeps Node
 * running by itself; call `close()` when done.
 */
export class ExpactiClient {
  readonly url: string;
  readonly #connectTimeout: number;
  readonly #maxBackoff: number;
  readonly #outputBufferBytes: number;
  readonly #outputAckTimeout: number;
  readonly #logger: Logger | undefined;
  readonly #pending = new Map<string, PendingCommand>();
  readonly #executions = new Map<string, OutputStream>();
  readonly #running = new Set<RunningExecution>();
  readonly #sessions = new Set<Session>();
  readonly #link: Link;
  #closed = false;

  constructor(options: ClientOptions) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError("new ExpactiClient({ url, token }) takes an options object");
    }
    checkUrl(options.url);
    checkToken(options.token);
    this.url = options.url;
    this.#connectTimeout = seconds("connectTimeout", options.connectTimeout, 10);
    this.#maxBackoff = seconds("maxBackoff", options.maxBackoff, 5);
    const reconnectTimeout = seconds("reconnectTimeout", options.reconnectTimeout, 60);
    this.#outputAckTimeout = seconds("outputAckTimeout", options.outputAckTimeout, 5, true);
    const buffer = options.outputBufferBytes ?? DEFAULT_OUTPUT_BUFFER_BYTES;
    if (!Number.isInteger(buffer) || buffer <= 0) {
      throw new RangeError("outputBufferBytes must be an integer > 0");
    }
    this.#outputBufferBytes = buffer;
    this.#logger = options.logger;
    this.#link = new Link(
      this.url,
      options.token,
      { connectTimeout: this.#connectTimeout, reconnectTimeout, maxBackoff: this.#maxBackoff },
      { pending: this.#pending, executions: this.#executions },
      (message, error) => this.#warn(message, error),
    );
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Open the connection now instead of on the first call; rejects like `run()`. */
  async connect(): Promise<void> {
    this.#checkOpen();
    if (this.#link.current === null) await this.#link.open();
  }

  /**
   * Submit `command` for approval and wait for the decision.
   *
   * Resolves with the Decision when approved. A denial or cancellation rejects with
   * CommandDeniedError and a timeout with CommandTimeoutError, unless `raiseOnDeny` is
   * false; then the Decision resolves and `approved` is false. Run `decision.command`,
   * not `command`: a reviewer may have edited it before approving (`decision.edited`).
   *
   * Aborting `signal` sends `cancel` for the command and rejects with
   * CommandAbortedError (name "AbortError"), or CommandTimeoutError when the signal came
   * from `AbortSignal.timeout()`; even if the decision had arrived but was not yet returned.
   */
  async run(command: string, options: RunOptions = {}): Promise<Decision> {
    this.#checkOpen();
    const { target, timeout, context, raiseOnDeny = true, onProgress, signal, session } = options;
    checkTimeout(timeout);
    if (onProgress !== undefined && typeof onProgress !== "function") {
      throw new TypeError("onProgress must be a function");
    }
    const requestId = randomUUID().replaceAll("-", "");
    const frame = submitFrame(
      {
        requestId,
        command,
        target: target ?? null,
        timeoutSeconds: timeout === undefined ? null : Math.ceil(timeout),
        session: session ?? null,
        context: context ?? null,
      },
      this.#link.limits(),
    );
    this.#checkFrameSize(frame);
    if (signal?.aborted) throw abortError(command, signal.reason);
    const hello = this.#link.hello;
    const policy = hello === null ? null : policySeconds(hello.limits);
    const pending = new PendingCommand(
      requestId,
      command,
      frame,
      timeout ?? null,
      policy,
      onProgress,
      (message, error) => this.#warn(message, error),
    );
    this.#pending.set(requestId, pending);
    const onAbort = (): void => pending.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const result = await this.#waitForDecision(pending);
      this.#checkWaiting(pending); // a give-up while the decision was handed up
      return outcome(toDecision(result, command), raiseOnDeny);
    } finally {
      this.#pending.delete(requestId);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Ask for approval like `run()`, then run the approved command and record it.
   *
   * `decision.command` (the reviewer's text after an edit) runs as `/bin/sh -c COMMAND`
   * with pipes (not a pseudo-terminal); its stdout and stderr are streamed to the server
   * for the recording, passed to `onOutput` and returned. See ExecuteOptions.
   *
   * Whether the command ran is never in doubt. Resolved: it ran to its end. Rejected with
   * CommandAbortedError whose `ran` is true: it started and was killed (the signal
   * aborted, or `close()` was called, while it ran; `exitCode`, `result`). Any other
   * rejection, or `ran` false: it did not run. An abort once the command has ended by
   * itself only stops the wait for the server's last acknowledgement. The command runs in
   * its own process group, which is killed if this process dies first.
   */
  async execute(command: string, options: ExecuteOptions = {}): Promise<ExecutionResult> {
    return executeApproved(this.#executor(), command, options);
  }

  /**
   * A session: commands run towards `goal`, through `steps`, shown to reviewers.
   *
   * Its `run()` and `execute()` carry the session; `end()` tells the server it ended.
   */
  session(options: SessionOptions): Session {
    this.#checkOpen();
    const session = new Session(options, {
      run: (command, runOptions) => this.run(command, runOptions),
      execute: (command, executeOptions) => this.execute(command, executeOptions),
      end: (id, status) => this.#sendSessionEnd(id, status),
      // Only sessions that submitted are held: the others have nothing to end.
      track: (started) => this.#sessions.add(started),
      forget: (ended) => this.#sessions.delete(ended),
    });
    return session;
  }

  /**
   * Fail what is still waiting with ExpactiConnectionError("client closed") after asking
   * the server to cancel it, kill the commands `execute()` is running (nothing would
   * record them any more), end the sessions that ran something, close the connection.
   * From the call on, no waiting `run()` resolves, not even with an approval that had
   * already arrived. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    for (const session of [...this.#sessions]) session.endOnClose(this.#link.current);
    this.#closed = true;
    for (const pending of this.#pending.values()) {
      this.#tryCancel(pending, "the agent closed its client");
      pending.deliver(new ExpactiConnectionError("client closed"));
    }
    for (const stream of this.#executions.values()) stream.fail("client closed");
    // Nothing would record them any more: an approved command must not run on unrecorded.
    for (const execution of this.#running) execution.stop(new ExpactiConnectionError("client closed"));
    await this.#link.close();
  }

  // -- waiting for one decision ------------------------------------------------------

  async #waitForDecision(pending: PendingCommand): Promise<DecisionFrame> {
    let unavailable = 0;
    let retrying: ErrorFrame | null | undefined; // undefined: the first attempt
    for (;;) {
      if (retrying !== undefined && performance.now() >= pending.deadline) {
        if (retrying !== null) throw refused(retrying);
        throw new ExpactiConnectionError(
          `lost the connection to ${this.url} and could not resume before the deadline`,
        );
      }
      const conn = await this.#connectionFor(pending);
      this.#checkFrameSize(pending.frame); // the hello may have arrived meanwhile
      pending.conn = conn;
      if (conn.send(pending.frame)) {
        pending.sent();
      }
      let result: DecisionFrame | ErrorFrame | null;
      try {
        result = await this.#nextOutcome(pending, conn);
      } catch (error) {
        if (error instanceof ExpactiProtocolError && error.code === null) {
          // An untrustworthy frame: the command may still be pending.
          this.#tryCancel(pending, "invalid frame from the server");
        }
        throw error;
      }
      if (result !== null && result.type === "decision") return result;
      retrying = result; // null: the connection was lost, reconnect and resume
      if (result !== null) {
        // "unavailable": the server could not store it; retry the same request_id.
        unavailable += 1;
        const delay = backoffDelay(unavailable, this.#maxBackoff) * 1000;
        if (performance.now() + delay >= pending.deadline) throw refused(result);
        await pending.wait(delay, conn);
      }
    }
  }

  /** The decision, an `unavailable` error to retry, or null when the connection is lost. */
  async #nextOutcome(pending: PendingCommand, conn: Connection): Promise<DecisionFrame | ErrorFrame | null> {
    for (;;) {
      // Before anything queued, an approval included; nothing is awaited from here until a
      // decision is returned.
      this.#checkWaiting(pending);
      const event = pending.take();
      if (event === undefined) {
        const left = pending.deadline - performance.now();
        if (!conn.alive) {
          if (conn.lost || left <= 0) return null;
          // Closing: frames read before the close, or a terminal close code, may still be
          // on their way to us; the close event follows them.
          const bound = performance.now() + Math.min(left, 2 * CLOSE_TIMEOUT_MS);
          await pending.wait(bound - performance.now(), conn);
          if (!conn.lost && performance.now() >= bound) conn.abort(); // a hanging close
          continue;
        }
        if (left <= 0) {
          this.#tryCancel(pending, "agent deadline passed");
          throw new CommandTimeoutError(pending.command);
        }
        await pending.wait(left, conn);
        continue;
      }
      if (event instanceof ExpactiError) throw event;
      if (event.type === "error") {
        if (event.code === "unavailable") return event;
        throw refused(event);
      }
      if (pending.commandId !== null && pending.commandId !== event.commandId) {
        throw new ExpactiProtocolError(
          `the server switched command_id from ${pending.commandId} to ${event.commandId} for one request`,
          { requestId: pending.requestId },
        );
      }
      pending.commandId = event.commandId;
      if (event.type === "decision") return event;
      if (event.type === "progress") pending.progressed(event);
      else pending.expiresAt = event.expiresAt; // informative: the deadline is durations
    }
  }

  /** The open connection, opening it first if needed, before the run's deadline. */
  async #connectionFor(pending: PendingCommand): Promise<Connection> {
    for (;;) {
      this.#checkOpen();
      if (pending.aborted) throw this.#abandon(pending);
      const conn = this.#link.current;
      if (conn !== null) return conn;
      const opening = this.#link.open();
      let opened: Connection | null = null;
      let failure: unknown = null;
      let settled = false;
      const tracked = opening.then(
        (value) => {
          opened = value;
          settled = true;
        },
        (error: unknown) => {
          failure = error;
          settled = true;
        },
      );
      const left = pending.deadline - performance.now();
      if (left <= 0) throw new ExpactiConnectionError(`could not reach ${this.url} before the deadline`);
      await pending.wait(left, null, tracked, true);
      if (!settled) {
        // Woken by an abort or close (checked above, next turn), or the deadline passed.
        if (performance.now() >= pending.deadline) {
          throw new ExpactiConnectionError(`could not reach ${this.url} before the deadline`);
        }
        continue;
      }
      if (failure !== null) throw failure;
      if (opened !== null && (opened as Connection).alive) return opened;
    }
  }

  /** Best effort: ask the server to cancel; a lost connection cancels it anyway. */
  #tryCancel(pending: PendingCommand, reason: string): void {
    if (pending.sentAt === null) return; // the server never heard of it
    this.#link.current?.send(cancelFrame(pending.requestId, reason));
  }

  /**
   * Throw if the caller gave up on `pending`: its signal aborted (cancel, then
   * CommandAbortedError) or `close()` was called (which cancelled it; "client closed").
   * A give-up wins over a decision that arrived but was not yet returned: the caller may
   * already act on the failure.
   */
  #checkWaiting(pending: PendingCommand): void {
    if (pending.aborted) throw this.#abandon(pending);
    if (this.#closed) throw new ExpactiConnectionError("client closed");
  }

  /** The caller's signal fired: cancel on the server, and the error to reject with. */
  #abandon(pending: PendingCommand): ExpactiError {
    this.#tryCancel(pending, "the agent aborted the wait");
    return abortError(pending.command, pending.abortReason);
  }

  // -- helpers for sessions and execute ----------------------------------------------

  /** Send `session_end`, reconnecting if needed, within `connectTimeout`. */
  async #sendSessionEnd(sessionId: string, status: SessionStatus): Promise<void> {
    const text = sessionEndFrame(sessionId, status);
    this.#checkOpen();
    const deadline = performance.now() + this.#connectTimeout * 1000;
    for (;;) {
      let conn = this.#link.current;
      if (conn === null) {
        const opened = await within(this.#link.open(), deadline - performance.now());
        if (opened === TIMED_OUT) {
          throw new ExpactiConnectionError(`could not reach ${this.url} to send session_end in time`);
        }
        conn = opened;
      }
      if (conn.send(text)) return;
      if (performance.now() >= deadline) {
        throw new ExpactiConnectionError(`lost the connection to ${this.url} during session_end`);
      }
      await conn.untilLost(deadline - performance.now());
    }
  }

  #executor(): Executor {
    return {
      run: (command, options) => this.run(command, options),
      checkOpen: () => this.#checkOpen(),
      connection: () => this.#anyConnection(),
      closed: () => this.#closed,
      register: (execution) => {
        this.#running.add(execution);
        this.#executions.set(execution.stream.commandId, execution.stream);
      },
      unregister: (execution) => {
        this.#running.delete(execution);
        const { stream } = execution;
        if (this.#executions.get(stream.commandId) === stream) this.#executions.delete(stream.commandId);
      },
      frameLimit: () => this.#link.limits().maxFrameBytes,
      outputBufferBytes: this.#outputBufferBytes,
      outputAckTimeout: this.#outputAckTimeout,
      maxBackoff: this.#maxBackoff,
      warn: (message, error) => this.#warn(message, error),
    };
  }

  /** The open connection, (re)opening it as needed; for the output sender. */
  async #anyConnection(): Promise<Connection> {
    this.#checkOpen();
    return this.#link.current ?? this.#link.open();
  }

  #checkOpen(): void {
    if (this.#closed) throw new ExpactiConnectionError("client closed");
  }

  #checkFrameSize(frame: string): void {
    // The server closes the connection (1009) on an oversized frame; retrying cannot help.
    const limit = this.#link.limits().maxFrameBytes;
    const size = Buffer.byteLength(frame, "utf8");
    if (size > limit) throw new RangeError(`the submit frame is ${size} bytes; the server accepts ${limit}`);
  }

  #warn(message: string, error?: unknown): void {
    if (this.#logger === undefined) return;
    try {
      if (error === undefined) this.#logger.warn(message);
      else this.#logger.warn(message, error);
    } catch {
      // A logger that throws must not break the gate.
    }
  }
}

/** What `execute()` needs of its client. */
export interface Executor {
  run(command: string, options: RunOptions): Promise<Decision>;
  checkOpen(): void;
  connection(): Promise<Connection>;
  /** Whether `close()` was called. */
  closed(): boolean;
  /** From now on `close()` stops it, and frames about its command reach its stream. */
  register(execution: RunningExecution): void;
  unregister(execution: RunningExecution): void;
  frameLimit(): number;
  readonly outputBufferBytes: number;
  readonly outputAckTimeout: number;
  readonly maxBackoff: number;
  warn(message: string, error?: unknown): void;
}

function seconds(name: string, value: number | undefined, fallback: number, zero = false): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!zero && value === 0)) {
    throw new RangeError(`${name} must be a number of seconds ${zero ? ">= 0" : "> 0"}`);
  }
  return value;
}

function refused(frame: ErrorFrame): ExpactiProtocolError {
  return new ExpactiProtocolError(
    `the server refused the command: ${frame.message || frame.code} (${frame.code})`,
    { code: frame.code, requestId: frame.requestId },
  );
}

function outcome(decision: Decision, raiseOnDeny: boolean): Decision {
  if (decision.approved || !raiseOnDeny) return decision;
  if (decision.decision === "timed_out") throw new CommandTimeoutError(decision.originalCommand, decision);
  throw new CommandDeniedError(decision);
}
