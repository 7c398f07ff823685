/**
 * Why a command did not run, in whole sentences for a model: that it did not run, why,
 * and what it may do next. The same words as the Python SDK's `expacti._not_run`, so a
 * model hears the same thing from every expacti integration.
 *
 * `subject` is what the reader asked for ("command", or "tool call" for the approval
 * hook); `naming` is the text to name, when the reader may have asked for several.
 */

import type { Decision } from "./decision.js";

/** What a model may do after nobody decided: the command was not refused. */
export const AFTER_A_TIMEOUT = "It may be asked again later, or done another way.";

export type Subject = "command" | "tool call";

/** A denial or a cancellation: by whom, and the reviewer's reason. */
export function refused(decision: Decision, subject: Subject, naming?: string): string {
  const verb = decision.decision === "cancelled" ? "cancelled" : "denied";
  const by = decision.reviewer ? ` by ${decision.reviewer}` : "";
  const reason = decision.notes ? `Reason: ${decision.notes}` : "No reason was given.";
  return `The ${subject} was ${verb}${by} and did not run${named(naming)}. ${reason}`;
}

/** No decision in time; `decision` is undefined when the client gave up first. */
export function timedOut(decision: Decision | undefined, subject: Subject, naming?: string): string {
  const why = decision?.notes ? ` (${decision.notes})` : "";
  return `No reviewer decided in time${why}, so the ${subject} did not run${named(naming)}. ${AFTER_A_TIMEOUT}`;
}

/** No decision could be reached (server unreachable, token refused). */
export function undecided(error: unknown, subject: Subject, naming?: string): string {
  return `The approval gate could not decide (${messageOf(error)}), so the ${subject} did not run${named(naming)}.`;
}

/** The command could not even be asked about (too large, a NUL byte); never names it. */
export function notSubmitted(error: unknown): string {
  return `The command was not submitted for approval (${messageOf(error)}) and did not run.`;
}

/** Approved, but the command could not be started (no such working directory). */
export function couldNotStart(error: unknown, naming?: string): string {
  return `The command was approved but could not start (${messageOf(error)}), so it did not run${named(naming)}.`;
}

/**
 * Approved and started, then killed before it finished (`why`: "the client was closed",
 * "the call was aborted"): unlike every other outcome here, it ran, at least in part.
 */
export function stopped(why: string, naming?: string): string {
  return (
    `The command was approved and started, but was stopped before it finished (${why})${named(naming)}. ` +
    "It may have done part of its work: check before running it again."
  );
}

function named(naming: string | undefined): string {
  return naming === undefined ? "" : `: ${naming}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
