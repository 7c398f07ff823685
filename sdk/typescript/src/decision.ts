/** The final word on a command, as `run()` returns it, and where a waiting one stands. */

/** A command's final state. */
export type DecisionState = "approved" | "denied" | "timed_out" | "cancelled";

/**
 * A command's final decision: the server's `decision` frame plus what was asked.
 *
 * `approved` is true only when `decision` is `"approved"`; only then may the command run.
 * `command` is the command to run: the text the agent asked for (`originalCommand`),
 * unless a reviewer edited it before approving (`edited`), then the edited text; never run
 * `originalCommand` after an edit.
 */
export interface Decision {
  readonly approved: boolean;
  readonly decision: DecisionState;
  /** The server's id of the command. */
  readonly commandId: string;
  /** From submission to decision, measured by the server. */
  readonly latencyMs: number;
  /** Who decided; null for whitelist hits, timeouts and cancellations. */
  readonly reviewer: string | null;
  /** The reviewer's note, or why the command was timed out or cancelled. */
  readonly notes: string | null;
  /** Approved by a whitelist rule, without a human. */
  readonly whitelisted: boolean;
  /** The (first) whitelist rule that matched. */
  readonly ruleId: string | null;
  /** The server's risk assessment, 0-100. */
  readonly riskScore: number;
  /** Ids of the risk rules that found something, highest score first. */
  readonly anomalies: readonly string[];
  /** The idempotency key the SDK chose for this command. */
  readonly requestId: string;
  /** The command to run: the reviewer's text after an edit, else the agent's own. */
  readonly command: string;
  /** A reviewer changed the command before approving it. */
  readonly edited: boolean;
  /** The reviewers who approved, in order; empty when whitelisted or not approved. */
  readonly approvers: readonly string[];
  /** What the agent asked for. */
  readonly originalCommand: string;
}

/**
 * A pending command moved on without being decided: a partial approval of a command that
 * needs several, or an escalation (`escalated`; `expiresAt` then moves later, once).
 * `expiresAt` is the server's clock: informative only.
 */
export interface Progress {
  readonly commandId: string;
  readonly approvals: number;
  readonly required: number;
  readonly approvers: readonly string[];
  readonly escalated: boolean;
  readonly expiresAt: Date;
}
