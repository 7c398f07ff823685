/**
 * Every error the SDK rejects with.
 *
 * One tree, so a caller can catch as broadly or as narrowly as it needs:
 *
 * ```
 * ExpactiError
 * ├── CommandDeniedError          a human denied the command, or it was cancelled
 * ├── CommandTimeoutError         no decision in time (server timed_out, the client's
 * │                               deadline, or an AbortSignal.timeout() signal)
 * ├── CommandAbortedError         the caller's AbortSignal fired (name "AbortError"), or
 * │                               close() stopped a running execute(); `.ran` says which
 * ├── ExpactiConnectionError      cannot reach the server, lost it and could not resume
 * │   │                           before the deadline, or the client was closed
 * │   └── ExpactiAuthenticationError   the handshake was refused with 401/403, or the
 * │                                    connection was closed with 1008 (token revoked)
 * └── ExpactiProtocolError        the server sent an invalid frame or an `error` frame,
 *                                 or a frame was too large (close code 1009)
 * ```
 *
 * None of them ever means "approved": whenever the SDK is in doubt it rejects, and the
 * command must not run. A bad argument (a blank command, a timeout out of range) is a
 * programming error, not one of these: it rejects with a TypeError or a RangeError before
 * anything is sent.
 */

import type { Decision } from "./decision.js";
import type { ExecutionResult } from "./execution.js";

/** Base class of every error the expacti SDK rejects with. */
export class ExpactiError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The command was denied by a reviewer, or cancelled; it must not run. */
export class CommandDeniedError extends ExpactiError {
  readonly decision: Decision;
  /** The command the decision is about (the agent's own text). */
  readonly command: string;
  readonly reviewer: string | null;
  readonly notes: string | null;

  constructor(decision: Decision) {
    const verb = decision.decision === "cancelled" ? "cancelled" : "denied";
    const by = decision.reviewer ? ` by ${decision.reviewer}` : "";
    const why = decision.notes ? `: ${decision.notes}` : "";
    super(`command ${verb}${by}${why} (${decision.commandId})`);
    this.decision = decision;
    this.command = decision.command;
    this.reviewer = decision.reviewer;
    this.notes = decision.notes;
  }

  /** The server's id of the command. */
  get commandId(): string {
    return this.decision.commandId;
  }
}

/**
 * No decision arrived in time. `decision` is the server's `timed_out` decision, or
 * undefined when the client stopped waiting first (its own deadline, or an
 * `AbortSignal.timeout()`); the command was then cancelled on the server.
 */
export class CommandTimeoutError extends ExpactiError {
  readonly command: string;
  readonly decision: Decision | undefined;

  constructor(command: string, decision?: Decision, message?: string) {
    const why = decision?.notes ? `: ${decision.notes}` : "";
    super(
      message ??
        (decision === undefined
          ? "no decision before the client's deadline; the command was cancelled"
          : `command timed out${why} (${decision.commandId})`),
    );
    this.command = command;
    this.decision = decision;
  }

  /** The server's id of the command, when the server decided the timeout. */
  get commandId(): string | undefined {
    return this.decision?.commandId;
  }
}

/**
 * The caller's AbortSignal fired, or, for `execute()`, the client was closed while the
 * command ran. `name` is "AbortError", like fetch()'s; `reason` is the signal's reason (an
 * ExpactiConnectionError("client closed") when `close()` stopped the command).
 *
 * `ran` tells the two cases apart. False: the command never started (the wait was
 * aborted and the command cancelled on the server, or it was approved but not started).
 * True: it had started and was killed; it may have done part of its work, so do not
 * simply run it again. `exitCode` (137 after SIGKILL) and `result` (what it printed
 * until then, and its recording) are then set, else null.
 */
export class CommandAbortedError extends ExpactiError {
  readonly command: string;
  readonly reason: unknown;
  readonly ran: boolean;
  readonly exitCode: number | null;
  readonly result: ExecutionResult | null;

  constructor(command: string, reason: unknown, result: ExecutionResult | null = null) {
    super(result === null ? "the wait was aborted; the command was cancelled" : stoppedMessage(reason, result), {
      cause: reason,
    });
    this.name = "AbortError";
    this.command = command;
    this.reason = reason;
    this.ran = result !== null;
    this.exitCode = result?.exitCode ?? null;
    this.result = result;
  }
}

function stoppedMessage(reason: unknown, result: ExecutionResult): string {
  const why = reason instanceof ExpactiConnectionError ? "the client was closed" : "the signal was aborted";
  return (
    `${why} while the command ran: it was stopped after it started (exit code ${result.exitCode}) ` +
    "and may have done part of its work"
  );
}

/**
 * The server could not be reached, the connection was lost and not resumed before the
 * deadline, or the client was closed ("client closed") while a call waited.
 */
export class ExpactiConnectionError extends ExpactiError {}

/**
 * The server refused the token on the handshake (HTTP 401 or 403), or closed the
 * connection with 1008 because it was revoked (`statusCode` 401); never retried.
 */
export class ExpactiAuthenticationError extends ExpactiConnectionError {
  readonly statusCode: number;

  constructor(message: string, statusCode: number) {
    super(message);
    this.statusCode = statusCode;
  }
}

/**
 * The server sent a frame the SDK cannot trust, or answered with an `error` frame.
 *
 * `code` is the `error` frame's code (`invalid_frame`, `unavailable`…), or null when the
 * frame itself was invalid. `requestId` names the call it concerns, when known.
 */
export class ExpactiProtocolError extends ExpactiError {
  readonly code: string | null;
  readonly requestId: string | null;

  constructor(message: string, options: { code?: string | null; requestId?: string | null } = {}) {
    super(message);
    this.code = options.code ?? null;
    this.requestId = options.requestId ?? null;
  }
}

/** The error an aborted wait rejects with: a timeout for `AbortSignal.timeout()`. */
export function abortError(command: string, reason: unknown): ExpactiError {
  if (reason instanceof Error && reason.name === "TimeoutError") {
    return new CommandTimeoutError(
      command,
      undefined,
      "the AbortSignal timed out before a decision; the command was cancelled",
    );
  }
  return new CommandAbortedError(command, reason);
}
