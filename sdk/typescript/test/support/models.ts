/**
 * Language models for the Vercel AI tests: the `ai` package's own MockLanguageModelV4
 * (from `ai/test`), scripted to call one tool once and then answer, and what they were
 * shown of the tool's result in their next call.
 */

import type { ModelMessage } from "ai";
import { convertArrayToReadableStream, MockLanguageModelV4 } from "ai/test";
import { expect } from "vitest";

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 1, text: 1, reasoning: 0 },
};

/** What a model was shown of a tool call's result (`type` "text", "error-text"…). */
export interface ToolOutputSeen {
  type: string;
  value?: unknown;
  reason?: string;
}

/** A model that calls `toolName` with `input` once (call id "call-1"), then answers "done". */
export function modelCalling(toolName: string, input: unknown): MockLanguageModelV4 {
  return new MockLanguageModelV4({
    doGenerate: [
      {
        content: [{ type: "tool-call", toolCallId: "call-1", toolName, input: JSON.stringify(input) }],
        finishReason: { unified: "tool-calls", raw: undefined },
        usage,
        warnings: [],
      },
      {
        content: [{ type: "text", text: "done" }],
        finishReason: { unified: "stop", raw: undefined },
        usage,
        warnings: [],
      },
    ],
  });
}

/** `modelCalling()` for `streamText`. */
export function streamingModelCalling(toolName: string, input: unknown): MockLanguageModelV4 {
  const finish = (unified: "tool-calls" | "stop") => ({
    type: "finish",
    finishReason: { unified, raw: undefined },
    usage,
  });
  const streams = [
    [
      { type: "stream-start", warnings: [] },
      { type: "tool-call", toolCallId: "call-1", toolName, input: JSON.stringify(input) },
      finish("tool-calls"),
    ],
    [
      { type: "stream-start", warnings: [] },
      { type: "text-start", id: "t" },
      { type: "text-delta", id: "t", delta: "done" },
      { type: "text-end", id: "t" },
      finish("stop"),
    ],
  ];
  let call = 0;
  return new MockLanguageModelV4({
    doStream: async () => ({ stream: convertArrayToReadableStream(streams[call++] as never[]) }),
  });
}

/** The tool result the model was shown in its second call (generated or streamed). */
export function toolResultSeen(model: MockLanguageModelV4): ToolOutputSeen {
  const calls = model.doGenerateCalls.length > 0 ? model.doGenerateCalls : model.doStreamCalls;
  expect(calls).toHaveLength(2);
  const prompt = calls[1]!.prompt as ModelMessage[];
  const message = prompt.find((m) => m.role === "tool");
  const part = Array.isArray(message?.content) ? message.content[0] : undefined;
  expect(part).toMatchObject({ type: "tool-result", toolCallId: "call-1" });
  return (part as { output: ToolOutputSeen }).output;
}
