/**
 * The Vercel AI SDK (`ai` 7) behind the expacti gate: `import { expactiTool,
 * expactiToolApproval } from "expacti/vercel-ai"`.
 *
 * - `expactiTool({ client })` is a `shell` tool whose every call waits for a human, runs
 *   the approved command and tells the model what happened: its output and exit code, the
 *   reviewer's reason for a denial, or that it did not run.
 * - `expactiToolApproval({ client })` plugs into `generateText` / `streamText`'s own
 *   `toolApproval` hook, so a human approves any tool call of an existing app in expacti.
 *
 * Both fail closed: nothing runs without an approval, and an error on the way to a
 * decision means "did not run" (the tool) or "denied" (the hook).
 */

export {
  AGENT_CREDENTIALS,
  DEFAULT_MAX_OUTPUT_CHARS,
  DEFAULT_TOOL_DESCRIPTION,
  expactiTool,
  normalizeShellInput,
} from "./vercel-ai/tool.js";
export type {
  CommandExecutor,
  ExpactiShellTool,
  ExpactiToolOptions,
  ExpactiToolResult,
  ShellInput,
} from "./vercel-ai/tool.js";
export { describeToolCall, expactiToolApproval } from "./vercel-ai/approval.js";
export type {
  CommandApprover,
  ExpactiToolApproval,
  ExpactiToolApprovalOptions,
  ToolCallToApprove,
} from "./vercel-ai/approval.js";
