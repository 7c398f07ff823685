/**
 * Sessions: a goal, its steps, and the commands an agent runs towards it.
 *
 * Reviewers see the goal, the steps and which one the agent is on beside every command of
 * the session (the submit's `session` object), and learn when it ended (`session_end`).
 */

import { randomUUID } from "node:crypto";

import type { RunOptions } from "./client.js";
import type { Connection } from "./connection.js";
import type { Decision } from "./decision.js";
import type { ExecuteOptions, ExecutionResult } from "./execution.js";
import { sessionEndFrame, type SessionInfo, type SessionStatus } from "./frames.js";

const MAX_GOAL_CHARS = 1000;
const MAX_STEPS = 100;

/** `client.session(options)`. */
export interface SessionOptions {
  /** What the agent is working towards, 1-1000 characters. */
  goal: string;
  /** The planned steps: 1-100 distinct, non-blank names. */
  steps?: readonly string[];
}

/** `session.run(command, options)`: `run()`'s options, and the step to move to first. */
export interface SessionRunOptions {
  step?: string | number;
}

/** What a session needs of its client. */
export interface SessionHost {
  run(command: string, options: RunOptions): Promise<Decision>;
  execute(command: string, options: ExecuteOptions): Promise<ExecutionResult>;
  end(sessionId: string, status: SessionStatus): Promise<void>;
  /** The session is about to submit for the first time: `close()` must end it. */
  track(session: Session): void;
  /** The session ended: nothing left for `close()` to do. */
  forget(session: Session): void;
}

/**
 * A session of an ExpactiClient, from `client.session({ goal, steps })`.
 *
 * ```ts
 * const s = client.session({ goal: "deploy v2.3.1", steps: ["build", "push"] });
 * try {
 *   await s.run("make build", { step: "build" });
 *   await s.run("docker push registry/app:2.3.1", { step: "push" });
 *   await s.end();
 * } catch (error) {
 *   await s.end("failed");
 *   throw error;
 * }
 * ```
 *
 * Every `run()` and `execute()` sends the session (id, goal, steps, current step) with its
 * command. `end()` sends `session_end`, only if the session ran something. A session still
 * open when the client closes is ended then: `failed` if its last call was rejected,
 * else `completed`.
 */
export class Session {
  /** The session's id, chosen here; the server keys the session by it. */
  readonly id: string = randomUUID().replaceAll("-", "");
  readonly goal: string;
  /** The planned steps, or null when the session was given none. */
  readonly steps: readonly string[] | null;
  #current: number | null;
  #submitted = false; // the server learns of a session from its first submit
  #ended = false;
  #lastFailed = false;
  readonly #host: SessionHost;

  constructor(options: SessionOptions, host: SessionHost) {
    const { goal, steps } = options ?? ({} as SessionOptions);
    if (typeof goal !== "string" || goal.trim() === "" || goal.length > MAX_GOAL_CHARS) {
      throw new RangeError(`goal must be 1-${MAX_GOAL_CHARS} characters, not blank`);
    }
    if (steps !== undefined && steps !== null) {
      if (!Array.isArray(steps) || !steps.every((step) => typeof step === "string" && step.trim() !== "")) {
        throw new TypeError("steps must be an array of non-blank strings");
      }
      if (steps.length < 1 || steps.length > MAX_STEPS) {
        throw new RangeError(`steps must hold 1-${MAX_STEPS} steps`);
      }
      if (new Set(steps).size !== steps.length) {
        throw new RangeError("step names must be distinct, so that a step name is unambiguous");
      }
    }
    this.goal = goal;
    this.steps = steps === undefined || steps === null ? null : Object.freeze([...steps]);
    this.#current = this.steps === null ? null : 0;
    this.#host = host;
  }

  /** The 0-based index of the step in progress (the earlier ones are done). */
  get currentStep(): number | null {
    return this.#current;
  }

  /** Whether `end()` was called (or the client closed). */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Move to `step` (its name or 0-based index) without running anything.
   * RangeError when the session has no steps, or no such step.
   */
  step(step: string | number): void {
    const steps = this.steps;
    if (steps === null) throw new RangeError("this session was given no steps");
    if (typeof step === "number") {
      if (!Number.isInteger(step) || step < 0 || step >= steps.length) {
        throw new RangeError(`no step ${step}: the steps are 0-${steps.length - 1} (${listed(steps)})`);
      }
      this.#current = step;
      return;
    }
    const index = typeof step === "string" ? steps.indexOf(step) : -1;
    if (index < 0) throw new RangeError(`no step named ${JSON.stringify(step)}; the steps are ${listed(steps)}`);
    this.#current = index;
  }

  /** `client.run()` as part of this session; `step` (a name or index) moves first. */
  async run(
    command: string,
    options: RunOptions & SessionRunOptions = {},
  ): Promise<Decision> {
    const { step, ...rest } = options;
    const session = this.#begin(step);
    return this.#track(this.#host.run(command, { ...rest, session }));
  }

  /** `client.execute()` as part of this session; `step` moves first, as in `run()`. */
  async execute(command: string, options: ExecuteOptions & SessionRunOptions = {}): Promise<ExecutionResult> {
    const { step, ...rest } = options;
    const session = this.#begin(step);
    return this.#track(this.#host.execute(command, { ...rest, session }));
  }

  /**
   * Tell the server the session ended: `completed` (the goal was reached) or `failed`.
   * Sent only if the session ran something, once; later calls do nothing. Rejects with
   * ExpactiConnectionError when the server cannot be reached in time.
   */
  async end(status: SessionStatus = "completed"): Promise<void> {
    sessionEndFrame(this.id, status); // a bad status throws here, before anything changes
    const send = this.#finish();
    this.#host.forget(this);
    if (send) await this.#host.end(this.id, status);
  }

  /** The client is closing: end the session on `conn` if it is still open (best effort). */
  endOnClose(conn: Connection | null): void {
    const send = this.#finish();
    this.#host.forget(this);
    if (send && conn !== null) conn.send(sessionEndFrame(this.id, this.#lastFailed ? "failed" : "completed"));
  }

  #finish(): boolean {
    const already = this.#ended;
    this.#ended = true;
    return !already && this.#submitted;
  }

  #begin(step: string | number | undefined): SessionInfo {
    if (this.#ended) throw new Error(`session ${this.id} has ended`);
    if (step !== undefined) this.step(step);
    if (!this.#submitted) this.#host.track(this);
    this.#submitted = true; // from here on the submit may reach the server
    return { id: this.id, goal: this.goal, steps: this.steps, current_step: this.#current };
  }

  async #track<T>(call: Promise<T>): Promise<T> {
    try {
      const result = await call;
      // A Decision's `decision` is its state; an ExecutionResult's is the Decision.
      const outcome = (result as { decision: unknown }).decision;
      const decision = (typeof outcome === "object" ? outcome : result) as Decision;
      this.#lastFailed = !decision.approved; // raiseOnDeny: false
      return result;
    } catch (error) {
      this.#lastFailed = true;
      throw error;
    }
  }
}

function listed(steps: readonly string[]): string {
  return steps.map((step) => JSON.stringify(step)).join(", ");
}
