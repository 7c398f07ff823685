/** `expactiToolApproval()`: `ai`'s `toolApproval` hook, answered by a human in expacti. */

// `ai` is ESM only: the CommonJS build's declarations must import its types as ESM.
import type { ToolApprovalStatus } from "ai" with { "resolution-mode": "import" };

import type { RunOptions } from "../client.js";
import type { Decision } from "../decision.js";
import { CommandDeniedError, CommandTimeoutError } from "../errors.js";
import { checkTimeout } from "../frames.js";
import { refused, timedOut, undecided, type Subject } from "../not-run.js";

import { checkContext, definedOnly } from "./options.js";
import { asksItself } from "./tool.js";

/** What the approval hook needs of its client: an ExpactiClient, or one of its Sessions. */
export interface CommandApprover {
  run(command: string, options?: RunOptions): Promise<Decision>;
}

/** `expactiToolApproval(options)`. */
export interface ExpactiToolApprovalOptions {
  client: CommandApprover;
  /** Seconds a human has to decide, more than 0 and at most 600 (the server's policy caps it). */
  timeout?: number;
  /** The host, cluster or environment the tool calls act on (whitelist scopes use it). */
  target?: string;
  /** Free-form JSON shown to reviewers beside every tool call. */
  context?: Record<string, unknown>;
  /** The text reviewers approve (default: `toolName <input as JSON>`). */
  describe?: (toolCall: ToolCallToApprove) => string;
  /** Pass the AbortSignal you give `generateText`: the hook is not handed one. */
  abortSignal?: AbortSignal;
}

/** The part of `ai`'s tool call the approval hook uses. */
export interface ToolCallToApprove {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

/** `ai`'s generic `toolApproval` function, as `expactiToolApproval()` returns it. */
export type ExpactiToolApproval = (options: {
  toolCall: ToolCallToApprove;
  tools?: Readonly<Record<string, unknown>> | undefined;
}) => Promise<ToolApprovalStatus>;

/**
 * A `toolApproval` hook for `generateText` / `streamText` / `ToolLoopAgent` that asks a
 * human in expacti before any tool call runs.
 *
 * ```ts
 * await generateText({ model, tools, prompt, toolApproval: expactiToolApproval({ client }) });
 * ```
 *
 * Each call is submitted as `toolName {"the":"input"}` (see `describe`) and resolves with
 * `"approved"` or `{ type: "denied", reason }`; the model gets the reason. Any error on the
 * way to a decision is a denial, and so is an approval of an edited text, since the hook
 * cannot change the input the tool runs with. Tools made by `expactiTool()` ask expacti
 * themselves and are passed through (`"not-applicable"`): a tool whose `execute` is the
 * very function `expactiTool()` made, not merely a copy of its properties.
 */
export function expactiToolApproval(options: ExpactiToolApprovalOptions): ExpactiToolApproval {
  if (typeof options !== "object" || options === null || typeof options.client?.run !== "function") {
    throw new TypeError("expactiToolApproval({ client }) needs an ExpactiClient (or a Session)");
  }
  const { client, describe = describeToolCall, abortSignal } = options;
  if (typeof describe !== "function") throw new TypeError("describe must be a function");
  checkTimeout(options.timeout);
  const userContext = checkContext(options.context);
  const runOptions = definedOnly({ timeout: options.timeout, target: options.target, signal: abortSignal });
  return async ({ toolCall, tools }) => {
    if (tools !== undefined && Object.hasOwn(tools, toolCall.toolName) && asksItself(tools[toolCall.toolName])) {
      return "not-applicable";
    }
    let asked = "";
    try {
      asked = describe(toolCall);
      const { toolName, toolCallId } = toolCall;
      const context = { ...userContext, source: "vercel-ai", tool: toolName, tool_call_id: toolCallId };
      const decision = await client.run(asked, { ...runOptions, context });
      return approvalStatus(decision);
    } catch (error) {
      return { type: "denied", reason: denialReason(asked, error) };
    }
  };
}

/** The default text reviewers see for a tool call: `toolName {"the":"input"}`. */
export function describeToolCall(toolCall: ToolCallToApprove): string {
  const input = JSON.stringify(toolCall.input);
  return input === undefined ? toolCall.toolName : `${toolCall.toolName} ${input}`;
}

function approvalStatus(decision: Decision): ToolApprovalStatus {
  if (!decision.approved) {
    // run() rejects every other outcome; this only guards against a changed default.
    return { type: "denied", reason: `The tool call was not approved (${decision.decision}) and did not run.` };
  }
  if (decision.edited) {
    return {
      type: "denied",
      reason:
        "A reviewer changed this tool call before approving it, so the original did not run. " +
        `They approved instead: ${decision.command}`,
    };
  }
  return decision.notes ? { type: "approved", reason: decision.notes } : "approved";
}

function denialReason(asked: string, error: unknown): string {
  const subject: Subject = "tool call";
  if (error instanceof CommandDeniedError) return refused(error.decision, subject);
  if (error instanceof CommandTimeoutError) return timedOut(error.decision, subject);
  return undecided(error, subject, asked === "" ? undefined : asked.length > 200 ? `${asked.slice(0, 200)}…` : asked);
}

