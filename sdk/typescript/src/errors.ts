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
 * ├── CommandAbortedError         the caller's AbortSignal fired (name "AbortError")
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
 * The caller aborted the wait with its AbortSignal; the SDK asked the server to cancel
 * the command. `name` is "AbortError", like fetch()'s; `reason` is the signal's reason.
 */
export class CommandAbortedError extends ExpactiError {
  readonly command: string;
  readonly reason: unknown;

  constructor(command: string, reason: unknown) {
    super("the wait was aborted; the command was cancelled", { cause: reason });
    this.name = "AbortError";
    this.command = command;
    this.reason = reason;
  }
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
