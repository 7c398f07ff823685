/** What `expactiTool` accepts from a model, and what it tells the model about its input. */

import { asSchema, generateText, stepCountIs } from "ai";
import { afterAll, describe, expect, it } from "vitest";

import { ExpactiClient } from "../src/index.js";
import { DEFAULT_TOOL_DESCRIPTION, expactiTool } from "../src/vercel-ai.js";
import { modelCalling, toolResultSeen } from "./support/models.js";
import { approve, pendingId, serverInfo } from "./support/server.js";

const info = serverInfo();
const client = new ExpactiClient({ url: info.wsUrl, token: info.agentToken });
const shell = expactiTool({ client });
const schema = asSchema(shell.inputSchema);

afterAll(async () => {
  await client.close();
});

async function validate(value: unknown): Promise<{ success: boolean; value?: unknown; error?: Error }> {
  return (await schema.validate!(value)) as { success: boolean; value?: unknown; error?: Error };
}

describe("the shell tool's input", () => {
  it("advertises { command: string } to the model, with the gate in its description", async () => {
    expect(await schema.jsonSchema).toMatchObject({
      type: "object",
      properties: { command: { type: "string" } },
      required: ["command"],
      additionalProperties: false,
    });
    expect(shell.description).toBe(DEFAULT_TOOL_DESCRIPTION);
    const custom = expactiTool({ client, description: "Run on the build box." });
    expect(custom.description).toBe("Run on the build box.");
  });

  it("accepts what models send: the object, a bare string, `cmd`, an argv array", async () => {
    expect(await validate({ command: "ls -la" })).toEqual({ success: true, value: { command: "ls -la" } });
    expect(await validate("uname -a")).toEqual({ success: true, value: { command: "uname -a" } });
    expect(await validate({ cmd: "pwd" })).toEqual({ success: true, value: { command: "pwd" } });
    expect(await validate({ command: ["grep", "-r", "it's here", "src/"] })).toEqual({
      success: true,
      value: { command: `grep -r 'it'\\''s here' src/` },
    });
    expect(await validate({ command: "ls", timeout: 5 })).toEqual({ success: true, value: { command: "ls" } });
  });

  it("refuses the rest with a reason", async () => {
    for (const bad of [{}, { command: 42 }, { command: [] }, { command: ["ls", 1] }, null, ["ls"]]) {
      expect((await validate(bad)).success, JSON.stringify(bad)).toBe(false);
    }
    const blank = await validate({ command: "   " });
    expect(blank.success).toBe(false);
    expect(blank.error?.message).toContain("command must not be blank");
  });

  it("shows the reviewer an argv array as the quoted line that runs", async () => {
    const marker = `t-${Math.random().toString(36).slice(2)}`;
    const model = modelCalling("shell", { command: ["printf", "%s|", "a b", marker] });
    const generating = generateText({ model, tools: { shell }, prompt: "p", stopWhen: stepCountIs(3) });
    const asked = `printf '%s|' 'a b' ${marker}`;
    await approve(await pendingId(asked));
    await generating;
    expect(toolResultSeen(model)).toEqual({ type: "text", value: `a b|${marker}|` });
  });

  it("tells the model its input was invalid, and asks nobody", async () => {
    const model = modelCalling("shell", { command: 42 });
    const result = await generateText({ model, tools: { shell }, prompt: "p", stopWhen: stepCountIs(3) });
    expect(toolResultSeen(model)).toMatchObject({
      type: "error-text",
      value: expect.stringContaining("Invalid input for tool shell"),
    });
    expect(result.steps[0]!.toolResults).toEqual([]);
  });
});
