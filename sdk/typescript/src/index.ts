/**
 * expacti: ask a human before an AI agent runs a command.
 *
 * ```ts
 * import { ExpactiClient } from "expacti";
 * const client = new ExpactiClient({ url: "ws://localhost:3001/shell/ws", token: "demo-shell-token" });
 * const decision = await client.run("terraform apply"); // waits until a human decides
 * ```
 */

export { ExpactiClient } from "./client.js";
export type { ClientOptions, Logger, RunOptions } from "./client.js";
export type { Decision, DecisionState, Progress } from "./decision.js";
export {
  CommandAbortedError,
  CommandDeniedError,
  CommandTimeoutError,
  ExpactiAuthenticationError,
  ExpactiConnectionError,
  ExpactiError,
  ExpactiProtocolError,
} from "./errors.js";
export type { ExecuteOptions, Execution, ExecutionResult } from "./execution.js";
export type { SessionInfo, SessionStatus } from "./frames.js";
export { Session } from "./session.js";
export type { SessionOptions, SessionRunOptions } from "./session.js";
export { VERSION } from "./version.js";
