/** `expactiTool()`: a `shell` tool whose every call waits for a human in expacti. */

// `ai` is ESM only: the CommonJS build's declarations must import its types as ESM.
import type { Tool } from "ai" with { "resolution-mode": "import" };
import { tool } from "ai";
import { z } from "zod/v4";

import type { Decision, DecisionState } from "../decision.js";
import {
  CommandAbortedError,
  CommandDeniedError,
  CommandTimeoutError,
  ExpactiConnectionError,
  ExpactiError,
} from "../errors.js";
import type { ExecuteOptions, ExecutionResult } from "../execution.js";
import { checkTimeout } from "../frames.js";
import { couldNotStart, notSubmitted, refused, stopped, timedOut, undecided } from "../not-run.js";

import { checkContext, definedOnly } from "./options.js";

/** Output longer than this is cut in the middle: the model needs its start and its end. */
export const DEFAULT_MAX_OUTPUT_CHARS = 20_000;

/** What the tool needs of its client: an ExpactiClient, or one of its Sessions. */
export interface CommandExecutor {
  execute(command: string, options?: ExecuteOptions): Promise<ExecutionResult>;
}

/** `expactiTool(options)`. */
export interface ExpactiToolOptions {
  client: CommandExecutor;
  /** What the model is told the tool does (default: DEFAULT_TOOL_DESCRIPTION). */
  description?: string;
  /** Seconds a human has to decide, more than 0 and at most 600 (the server's policy caps it). */
  timeout?: number;
  /** The host, cluster or environment the commands are for (whitelist scopes use it). */
  target?: string;
  /** Free-form JSON shown to reviewers beside every command (with the tool call's id). */
  context?: Record<string, unknown>;
  /** Working directory of the commands (default: this process's). */
  cwd?: string;
  /**
   * Environment of the commands (default: this process's), always without
   * AGENT_CREDENTIALS: an approved `env` must not hand the model the agent's token.
   */
  env?: NodeJS.ProcessEnv;
  /** At most this many characters of output reach the model (default 20,000). */
  maxOutputChars?: number;
}

/** `input` of the tool, once validated: the command line, as `/bin/sh -c` runs it. */
export interface ShellInput {
  command: string;
}

/**
 * What the tool resolves with: the app sees all of it (`toolResults`, UI messages); the
 * model reads `text`, flagged as an error unless the command ran and exited 0.
 */
export interface ExpactiToolResult {
  /** What ran (a reviewer's edit, if any), or what the model asked for when nothing ran. */
  command: string;
  ran: boolean;
  /** The final decision; null when none was reached (server unreachable, refused). */
  decision: DecisionState | null;
  commandId: string | null;
  reviewer: string | null;
  notes: string | null;
  exitCode: number | null;
  /** stdout and stderr as printed, cut in the middle beyond `maxOutputChars`. */
  output: string;
  /** What the model is told. */
  text: string;
}

export const DEFAULT_TOOL_DESCRIPTION =
  "Run a shell command with /bin/sh -c. A human reviews every command before it runs and " +
  "may deny it or change it. You get the command's output and exit code, or the reason it " +
  "did not run: read it, and adapt instead of repeating a denied command.";

/** What the model reads of a tool's result (`ai` does not export the type by name). */
type ToolResultOutput = Awaited<ReturnType<NonNullable<Tool["toModelOutput"]>>>;

/** The tool `expactiTool()` makes. */
export type ExpactiShellTool = Tool<ShellInput, ExpactiToolResult>;

/** Where the `expacti` command and the documented setups keep the agent's server and token. */
export const AGENT_CREDENTIALS: readonly string[] = Object.freeze(["EXPACTI_TOKEN", "EXPACTI_URL"]);

/**
 * The `execute` functions of the tools `expactiTool()` made: a tool whose `execute` is one
 * of these asks expacti itself, so the approval hook need not ask again. The function, not
 * a mark on the tool object: `{ ...expactiTool({ client }), execute: mine }` copies any
 * mark, and `mine` must still be asked about.
 */
const gated = new WeakSet<object>();

const shellInputSchema = z.preprocess(
  normalizeShellInput,
  z.object({
    command: z
      .string()
      .refine((command) => command.trim() !== "", "command must not be blank")
      .describe("The shell command line to run, e.g. `ls -la /srv/app`"),
  }),
);

/**
 * A `shell` tool for `generateText` / `streamText` / agents: every call blocks until a
 * human approves it in expacti, then runs through `client.execute()`.
 *
 * ```ts
 * const client = new ExpactiClient({ url, token });
 * await generateText({ model, tools: { shell: expactiTool({ client }) }, prompt, stopWhen: stepCountIs(5) });
 * ```
 *
 * A denial, a timeout or an unreachable server resolves (never rejects) with the reason,
 * so the model can adapt. Aborting the call's `abortSignal` while the command waits
 * cancels it on the server and rejects with the abort: nothing ran. Once the command
 * runs, an abort (or the client's `close()`) kills it, and the tool resolves with what it
 * printed and that it was stopped (`ran: true`): it did run, in part. Commands never see
 * AGENT_CREDENTIALS in their environment.
 */
export function expactiTool(options: ExpactiToolOptions): ExpactiShellTool {
  const settings = toolSettings(options);
  const shell = tool<ShellInput, ExpactiToolResult, Record<string, unknown>>({
    description: settings.description,
    inputSchema: shellInputSchema,
    execute: async (input, { toolCallId, abortSignal }) =>
      runForModel(settings, input.command, toolCallId, abortSignal),
    toModelOutput: ({ output }) => modelOutput(output),
  });
  if (shell.execute !== undefined) gated.add(shell.execute);
  return shell;
}

interface ToolSettings {
  client: CommandExecutor;
  description: string;
  maxOutputChars: number;
  execute: ExecuteOptions;
  env: NodeJS.ProcessEnv | undefined;
  context: Record<string, unknown>;
}

function toolSettings(options: ExpactiToolOptions): ToolSettings {
  if (typeof options !== "object" || options === null || typeof options.client?.execute !== "function") {
    throw new TypeError("expactiTool({ client }) needs an ExpactiClient (or a Session)");
  }
  const { client, description = DEFAULT_TOOL_DESCRIPTION, maxOutputChars = DEFAULT_MAX_OUTPUT_CHARS } = options;
  if (typeof description !== "string" || description.trim() === "") {
    throw new TypeError("description must be a non-blank string");
  }
  if (!Number.isInteger(maxOutputChars) || maxOutputChars < 100) {
    throw new RangeError("maxOutputChars must be an integer >= 100");
  }
  checkTimeout(options.timeout);
  return {
    client,
    description,
    maxOutputChars,
    execute: definedOnly({ timeout: options.timeout, target: options.target, cwd: options.cwd }),
    env: options.env,
    context: checkContext(options.context),
  };
}

async function runForModel(
  settings: ToolSettings,
  command: string,
  toolCallId: string,
  signal: AbortSignal | undefined,
): Promise<ExpactiToolResult> {
  const context = { ...settings.context, source: "vercel-ai", tool_call_id: toolCallId };
  const env = withoutCredentials(settings.env ?? process.env);
  let result: ExecutionResult;
  try {
    result = await settings.client.execute(command, { ...settings.execute, env, context, signal });
  } catch (error) {
    if (error instanceof CommandAbortedError && error.result !== null) {
      // It ran, in part: whoever reads the messages must know, whatever stopped it.
      const { result: partial } = error;
      return ran(partial, settings.maxOutputChars, stopped(stopReason(error.reason), partial.decision.command));
    }
    // The caller is stopping the whole generation before anything ran: the abort is
    // theirs to see, not the model's.
    if (signal?.aborted) throw error;
    return notRun(command, error);
  }
  if (!result.decision.approved || result.exitCode === null) {
    // execute() resolves unapproved only with raiseOnDeny: false, which this tool never sets.
    const text = `The command was not approved and did not run: ${command}.`;
    return { ...fromDecision(command, result.decision), text };
  }
  return ran(result, settings.maxOutputChars);
}

/** `env` as an approved command gets it: without the agent's expacti credentials. */
function withoutCredentials(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !AGENT_CREDENTIALS.includes(name)));
}

function stopReason(reason: unknown): string {
  if (reason instanceof ExpactiConnectionError) return "the client was closed";
  if (reason instanceof Error && reason.name === "TimeoutError") return "the call timed out";
  return "the call was aborted";
}

/** What ran and what it printed; `stoppedBecause` first when it was killed before the end. */
function ran(result: ExecutionResult, limit: number, stoppedBecause?: string): ExpactiToolResult {
  const { decision } = result;
  const output = clip(result.output, limit);
  const lines: string[] = stoppedBecause === undefined ? [] : [stoppedBecause];
  if (decision.edited) lines.push(`A reviewer edited the command before approving it; ran: ${decision.command}`);
  if (decision.notes) lines.push(`Reviewer notes: ${decision.notes}`);
  lines.push(output === "" ? "(no output)" : output.replace(/\n$/, ""));
  // As in every expacti integration: a non-zero exit is named, success goes without saying.
  if (result.exitCode !== 0) lines.push(`Exit code: ${result.exitCode}`);
  return {
    ...fromDecision(decision.command, decision),
    ran: true,
    exitCode: result.exitCode,
    output,
    text: lines.join("\n"),
  };
}

/** A command that did not run, in words the model can act on; never throws. */
function notRun(command: string, error: unknown): ExpactiToolResult {
  if (error instanceof CommandDeniedError) {
    return { ...fromDecision(command, error.decision), text: refused(error.decision, "command", command) };
  }
  if (error instanceof CommandTimeoutError) {
    return { ...fromDecision(command, error.decision), text: timedOut(error.decision, "command", command) };
  }
  const text =
    error instanceof TypeError || error instanceof RangeError
      ? notSubmitted(error) // refused before it was asked: a NUL byte, too long
      : isSystemError(error)
        ? couldNotStart(error, command) // approved, but e.g. no such cwd
        : undecided(error, "command", command);
  return { ...fromDecision(command, undefined), text };
}

function isSystemError(error: unknown): boolean {
  return !(error instanceof ExpactiError) && typeof (error as { syscall?: unknown } | null)?.syscall === "string";
}

function fromDecision(command: string, decision: Decision | undefined): ExpactiToolResult {
  return {
    command,
    ran: false,
    decision: decision?.decision ?? null,
    commandId: decision?.commandId ?? null,
    reviewer: decision?.reviewer ?? null,
    notes: decision?.notes ?? null,
    exitCode: null,
    output: "",
    text: "",
  };
}

function modelOutput(output: unknown): ToolResultOutput {
  // UI messages come back from clients: trust only the shape this tool produces.
  if (typeof output !== "object" || output === null || typeof (output as ExpactiToolResult).text !== "string") {
    return { type: "error-text", value: "The shell tool returned no result; the command may not have run." };
  }
  const result = output as ExpactiToolResult;
  const failed = !result.ran || result.exitCode !== 0;
  return { type: failed ? "error-text" : "text", value: result.text };
}

function clip(output: string, limit: number): string {
  if (output.length <= limit) return output;
  const head = Math.floor(limit / 2);
  const tail = limit - head;
  return `${output.slice(0, head)}\n[... ${output.length - limit} characters cut ...]\n${output.slice(-tail)}`;
}

/**
 * Accept what models send for a command besides `{ command: "..." }`: a bare string, an
 * argv array (`{ command: ["ls", "-la"] }`, as Codex-style models do), or `cmd` for
 * `command`. An argv array is quoted for `/bin/sh`, so the reviewer sees what will run.
 * Anything else is left for the schema to refuse, with a message the model can act on.
 */
export function normalizeShellInput(input: unknown): unknown {
  if (typeof input === "string") return { command: input };
  if (typeof input !== "object" || input === null || Array.isArray(input)) return input;
  const record = input as Record<string, unknown>;
  const command = record["command"] ?? record["cmd"];
  if (Array.isArray(command) && command.length > 0 && command.every((part) => typeof part === "string")) {
    return { command: command.map(shellQuote).join(" ") };
  }
  return command === undefined ? input : { command };
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Whether `candidate` is a tool made by `expactiTool()`, its `execute` unchanged. */
export function asksItself(candidate: unknown): boolean {
  if (typeof candidate !== "object" || candidate === null) return false;
  const execute: unknown = Reflect.get(candidate, "execute");
  return typeof execute === "function" && gated.has(execute);
}
