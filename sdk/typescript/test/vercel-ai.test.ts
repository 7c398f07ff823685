/**
 * `expacti/vercel-ai` driven through `generateText` by the `ai` package's own mock model,
 * against the real server: the shell tool (approve, deny, edit, timeout, abort, no server)
 * and the `toolApproval` hook (approve, deny, edit, errors, no double gate).
 */

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { generateText, stepCountIs, streamText, tool, type ToolSet } from "ai";
import type { MockLanguageModelV4 } from "ai/test";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod/v4";

import { ExpactiClient } from "../src/index.js";
import {
  expactiTool,
  expactiToolApproval,
  type ExpactiToolApproval,
  type ExpactiToolResult,
} from "../src/vercel-ai.js";
import {
  approve,
  approveWhenPending,
  denyWhenPending,
  findCommands,
  freePort,
  getCommand,
  pendingId,
  rejection,
  serverInfo,
  uniqueCommand,
  until,
  waitForStatus,
} from "./support/server.js";
import { modelCalling, streamingModelCalling, toolResultSeen } from "./support/models.js";

const info = serverInfo();
const client = new ExpactiClient({ url: info.wsUrl, token: info.agentToken });
const scratch = mkdtempSync(join(tmpdir(), "expacti-vercel-ai-"));

afterAll(async () => {
  await client.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** `generateText` over `tools` with a prompt and a step limit, plus `options`. */
function generate(
  model: MockLanguageModelV4,
  tools: ToolSet,
  options: { toolApproval?: ExpactiToolApproval; abortSignal?: AbortSignal } = {},
) {
  return generateText({ model, tools, prompt: "p", stopWhen: stepCountIs(3), ...options });
}

function scratchFile(name: string): string {
  return join(scratch, `${name}-${Math.random().toString(36).slice(2)}`);
}

describe("expactiTool", () => {
  it("runs an approved command and hands its output to the model", async () => {
    const file = scratchFile("approved");
    const command = uniqueCommand(`printf written > ${file} && echo wrote it`);
    const model = modelCalling("shell", { command });
    const generating = generate(model, { shell: expactiTool({ client, context: { ticket: "OPS-7" } }) });
    const commandId = await pendingId(command);
    const view = await getCommand(commandId);
    expect(view.context).toMatchObject({ source: "vercel-ai", tool_call_id: "call-1", ticket: "OPS-7" });
    await approve(commandId, { note: "fine" });

    const result = await generating;
    expect(readFileSync(file, "utf8")).toBe("written");
    expect(toolResultSeen(model)).toEqual({
      type: "text",
      value: "Reviewer notes: fine\nwrote it",
    });
    const output = result.steps[0]!.toolResults[0]!.output as ExpactiToolResult;
    expect(output).toMatchObject({ ran: true, decision: "approved", commandId, exitCode: 0 });
    expect(output.output).toBe("wrote it\n");
    expect(result.text).toBe("done");
  });

  it("tells the model a failing command's exit code, as an error", async () => {
    const command = uniqueCommand("echo oops >&2; exit 3");
    const model = modelCalling("shell", { command });
    const generating = generate(model, { shell: expactiTool({ client }) });
    await approveWhenPending(command);
    await generating;
    expect(toolResultSeen(model)).toEqual({ type: "error-text", value: "oops\nExit code: 3" });
  });

  it("returns a denial's reason to the model, and the command does not run", async () => {
    const file = scratchFile("denied");
    const command = uniqueCommand(`touch ${file}`);
    const model = modelCalling("shell", { command });
    const generating = generate(model, { shell: expactiTool({ client }) });
    const commandId = await denyWhenPending(command, "use the staging host");

    const result = await generating;
    expect(existsSync(file)).toBe(false);
    expect(toolResultSeen(model)).toEqual({
      type: "error-text",
      value: `The command was denied by alice and did not run: ${command}. Reason: use the staging host`,
    });
    expect(result.steps[0]!.toolResults[0]!.output).toMatchObject({
      ran: false,
      decision: "denied",
      commandId,
      reviewer: "alice",
      notes: "use the staging host",
      exitCode: null,
    });
  });

  it("runs the reviewer's edit, and says so", async () => {
    const command = uniqueCommand("echo asked");
    const edited = "echo edited";
    const model = modelCalling("shell", { command });
    const generating = generate(model, { shell: expactiTool({ client }) });
    await approve(await pendingId(command), { command: edited });
    await generating;
    expect(toolResultSeen(model)).toEqual({
      type: "text",
      value: `A reviewer edited the command before approving it; ran: ${edited}\nedited`,
    });
  });

  it("tells the model a timed-out command did not run; the server timed it out", async () => {
    const file = scratchFile("timeout");
    const command = uniqueCommand(`touch ${file}`);
    const model = modelCalling("shell", { command });
    const result = await generate(model, { shell: expactiTool({ client, timeout: 1 }) });
    expect(toolResultSeen(model)).toEqual({
      type: "error-text",
      value:
        `No reviewer decided in time (no decision within 1 s), so the command did not run: ${command}. ` +
        "It may be asked again later, or done another way.",
    });
    const output = result.steps[0]!.toolResults[0]!.output as ExpactiToolResult;
    expect([output.ran, output.decision]).toEqual([false, "timed_out"]);
    expect((await getCommand(output.commandId!)).status).toBe("timed_out");
    expect(existsSync(file)).toBe(false);
  });

  it("cancels the command on the server when the generation is aborted", async () => {
    const file = scratchFile("aborted");
    const command = uniqueCommand(`touch ${file}`);
    const model = modelCalling("shell", { command });
    const controller = new AbortController();
    const shell = expactiTool({ client });
    const failing = rejection(generate(model, { shell }, { abortSignal: controller.signal }));
    const commandId = await pendingId(command);
    controller.abort();

    expect((await failing) as Error).toMatchObject({ name: "AbortError" });
    await waitForStatus(commandId, "cancelled");
    // Too late to approve: the decision is final, and nothing ran.
    await expect(approve(commandId)).rejects.toThrow(/HTTP 409/);
    expect(existsSync(file)).toBe(false);
    expect(model.doGenerateCalls).toHaveLength(1);
  });

  it("rejects with the abort itself, not a result the model would read", async () => {
    const command = uniqueCommand("echo never");
    const controller = new AbortController();
    const shell = expactiTool({ client });
    const options = { toolCallId: "call-9", messages: [], abortSignal: controller.signal, context: {} };
    const failing = rejection(Promise.resolve(shell.execute!({ command }, options)));
    const commandId = await pendingId(command);
    controller.abort();
    expect(await failing).toMatchObject({ name: "AbortError" });
    await waitForStatus(commandId, "cancelled");
  });

  it("tells the model the gate was unreachable and nothing ran", async () => {
    const port = await freePort();
    const nowhere = new ExpactiClient({
      url: `ws://127.0.0.1:${port}/shell/ws`,
      token: info.agentToken,
      connectTimeout: 1,
      reconnectTimeout: 1,
    });
    const file = scratchFile("unreachable");
    const command = `touch ${file}`;
    const model = modelCalling("shell", { command });
    try {
      await generate(model, { shell: expactiTool({ client: nowhere }) });
    } finally {
      await nowhere.close();
    }
    const seen = toolResultSeen(model);
    expect(seen.type).toBe("error-text");
    expect(String(seen.value)).toMatch(/^The approval gate could not decide \(could not connect to .+\), so the command did not run: /);
    expect(String(seen.value).endsWith(`did not run: ${command}.`)).toBe(true);
    expect(existsSync(file)).toBe(false);
  });

  it("tells the model an approved command that could not start did not run", async () => {
    const command = uniqueCommand("echo from nowhere");
    const model = modelCalling("shell", { command });
    const generating = generate(model, { shell: expactiTool({ client, cwd: join(scratch, "no-such-dir") }) });
    await approveWhenPending(command);
    await generating;
    const seen = toolResultSeen(model);
    expect(seen.type).toBe("error-text");
    expect(String(seen.value)).toMatch(/^The command was approved but could not start \(.*ENOENT.*\), so it did not run: /);
    expect(String(seen.value).endsWith(`so it did not run: ${command}.`)).toBe(true);
  });

  it("runs commands of a session, which reviewers see with its goal", async () => {
    const session = client.session({ goal: "tidy the scratch dir" });
    const command = uniqueCommand("echo in a session");
    const model = modelCalling("shell", { command });
    const generating = generate(model, { shell: expactiTool({ client: session }) });
    const commandId = await approveWhenPending(command);
    await generating;
    await session.end();
    expect(toolResultSeen(model)).toMatchObject({ type: "text" });
    expect((await getCommand(commandId)).session).toMatchObject({ goal: "tidy the scratch dir" });
  });

  it("never hands a command the agent's credentials, whatever env it is given", async () => {
    const saved = { EXPACTI_TOKEN: process.env["EXPACTI_TOKEN"], EXPACTI_URL: process.env["EXPACTI_URL"] };
    process.env["EXPACTI_TOKEN"] = "secret-agent-token";
    process.env["EXPACTI_URL"] = "ws://secret.example/shell/ws";
    try {
      const tools = [expactiTool({ client }), expactiTool({ client, env: { ...process.env, OTHER: "kept" } })];
      for (const shell of tools) {
        const command = uniqueCommand("env");
        const model = modelCalling("shell", { command });
        const generating = generate(model, { shell });
        await approveWhenPending(command);
        const output = ((await generating).steps[0]!.toolResults[0]!.output as ExpactiToolResult).output;
        expect(output).toContain("PATH=");
        expect(output).not.toContain("secret");
        expect(output).not.toMatch(/^EXPACTI_(TOKEN|URL)=/m);
      }
      expect(process.env["EXPACTI_TOKEN"]).toBe("secret-agent-token"); // the agent's own is untouched
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it("tells the model a command stopped by close() did run, in part", async () => {
    const own = new ExpactiClient({ url: info.wsUrl, token: info.agentToken });
    const marker = scratchFile("stopped");
    const command = uniqueCommand(`echo started; touch ${marker}; sleep 100`);
    const model = modelCalling("shell", { command });
    const generating = generate(model, { shell: expactiTool({ client: own }) });
    await approveWhenPending(command);
    await until(() => existsSync(marker));
    await own.close();
    const result = await generating;
    expect(toolResultSeen(model)).toEqual({
      type: "error-text",
      value:
        "The command was approved and started, but was stopped before it finished (the client was closed): " +
        `${command}. It may have done part of its work: check before running it again.\nstarted\nExit code: 137`,
    });
    expect(result.steps[0]!.toolResults[0]!.output).toMatchObject({ ran: true, exitCode: 137, output: "started\n" });
  });

  it("resolves, saying it ran, when its call is aborted once the command runs", async () => {
    const marker = scratchFile("aborted-running");
    const command = uniqueCommand(`touch ${marker}; sleep 100`);
    const controller = new AbortController();
    const shell = expactiTool({ client });
    const options = { toolCallId: "call-8", messages: [], abortSignal: controller.signal, context: {} };
    const running = Promise.resolve(shell.execute!({ command }, options));
    await approveWhenPending(command);
    await until(() => existsSync(marker));
    controller.abort();
    const result = (await running) as ExpactiToolResult;
    expect([result.ran, result.exitCode]).toEqual([true, 137]);
    expect(result.text).toMatch(/^The command was approved and started, but was stopped before it finished \(the call was aborted\)/);
  });

  it("refuses bad options at once", () => {
    expect(() => expactiTool({} as never)).toThrow(TypeError);
    expect(() => expactiTool({ client, timeout: 0 })).toThrow(RangeError);
    expect(() => expactiTool({ client, timeout: 601 })).toThrow(RangeError);
    expect(() => expactiTool({ client, maxOutputChars: 10 })).toThrow(RangeError);
    expect(() => expactiTool({ client, context: [] as never })).toThrow(TypeError);
  });
});

describe("expactiToolApproval", () => {
  /** A tool of the app's own that writes `file`; the hook must gate it. */
  function writeNote() {
    let calls = 0;
    const writer = tool({
      description: "write a note",
      inputSchema: z.object({ path: z.string(), text: z.string() }),
      execute: async ({ path, text }) => {
        calls += 1;
        const { writeFileSync } = await import("node:fs");
        writeFileSync(path, text);
        return { written: path };
      },
    });
    return { writer, calls: () => calls };
  }

  it("runs the tool once a human approved its call", async () => {
    const file = scratchFile("note");
    const input = { path: file, text: "hello" };
    const { writer, calls } = writeNote();
    const model = modelCalling("writeNote", input);
    const toolApproval = expactiToolApproval({ client, context: { app: "notes" } });
    const generating = generate(model, { writeNote: writer }, { toolApproval });
    const asked = `writeNote ${JSON.stringify(input)}`;
    const commandId = await pendingId(asked);
    expect(calls()).toBe(0); // nothing runs while the human thinks
    expect((await getCommand(commandId)).context).toEqual({
      source: "vercel-ai",
      tool: "writeNote",
      tool_call_id: "call-1",
      app: "notes",
    });
    await approve(commandId);

    await generating;
    expect([calls(), readFileSync(file, "utf8")]).toEqual([1, "hello"]);
    expect(toolResultSeen(model)).toEqual({ type: "json", value: { written: file } });
  });

  it("denies the call with the reviewer's reason; the tool never runs", async () => {
    const file = scratchFile("note");
    const input = { path: file, text: "hello" };
    const { writer, calls } = writeNote();
    const model = modelCalling("writeNote", input);
    const generating = generate(model, { writeNote: writer }, { toolApproval: expactiToolApproval({ client }) });
    await denyWhenPending(`writeNote ${JSON.stringify(input)}`, "notes go to /srv/notes");

    await generating;
    expect([calls(), existsSync(file)]).toEqual([0, false]);
    expect(toolResultSeen(model)).toEqual({
      type: "execution-denied",
      reason: "The tool call was denied by alice and did not run. Reason: notes go to /srv/notes",
    });
  });

  it("denies an approval of an edited call, naming the edit, since the input cannot change", async () => {
    const file = scratchFile("note");
    const input = { path: file, text: "hello" };
    const { writer, calls } = writeNote();
    const model = modelCalling("writeNote", input);
    const generating = generate(model, { writeNote: writer }, { toolApproval: expactiToolApproval({ client }) });
    const edited = `writeNote ${JSON.stringify({ path: file, text: "hi" })}`;
    await approve(await pendingId(`writeNote ${JSON.stringify(input)}`), { command: edited });

    await generating;
    expect(calls()).toBe(0);
    expect(toolResultSeen(model)).toEqual({
      type: "execution-denied",
      reason:
        "A reviewer changed this tool call before approving it, so the original did not run. " +
        `They approved instead: ${edited}`,
    });
  });

  it("denies when nobody decides in time", async () => {
    const { writer, calls } = writeNote();
    const input = { path: scratchFile("note"), text: "late" };
    const model = modelCalling("writeNote", input);
    await generate(model, { writeNote: writer }, { toolApproval: expactiToolApproval({ client, timeout: 1 }) });
    expect(calls()).toBe(0);
    expect(toolResultSeen(model)).toMatchObject({
      type: "execution-denied",
      reason: expect.stringMatching(/^No reviewer decided in time/),
    });
    const [view] = await findCommands(`writeNote ${JSON.stringify(input)}`);
    expect(view.status).toBe("timed_out");
  });

  it("denies when the gate cannot decide (a closed client, a describe that throws)", async () => {
    const closed = new ExpactiClient({ url: info.wsUrl, token: info.agentToken });
    await closed.close();
    const cases = [
      expactiToolApproval({ client: closed }),
      expactiToolApproval({
        client,
        describe: () => {
          throw new Error("cannot describe");
        },
      }),
    ];
    for (const toolApproval of cases) {
      const { writer, calls } = writeNote();
      const model = modelCalling("writeNote", { path: scratchFile("note"), text: "x" });
      await generate(model, { writeNote: writer }, { toolApproval });
      expect(calls()).toBe(0);
      expect(toolResultSeen(model)).toMatchObject({
        type: "execution-denied",
        reason: expect.stringMatching(/^The approval gate could not decide \(.+\), so the tool call did not run/),
      });
    }
  });

  it("does not ask twice for expactiTool's own calls", async () => {
    const command = uniqueCommand("echo once");
    const model = modelCalling("shell", { command });
    const toolApproval = expactiToolApproval({ client });
    const generating = generate(model, { shell: expactiTool({ client }) }, { toolApproval });
    await approveWhenPending(command);
    await generating;
    expect(toolResultSeen(model)).toEqual({ type: "text", value: "once" });
    expect(await findCommands(`shell ${JSON.stringify({ command })}`)).toEqual([]);
  });

  it("asks about a tool that copies expactiTool's properties but runs another execute", async () => {
    let calls = 0;
    const impostor = {
      ...expactiTool({ client }),
      execute: async () => {
        calls += 1;
        return "ran without asking";
      },
    };
    const command = uniqueCommand("echo impostor");
    const model = modelCalling("shell", { command });
    const toolApproval = expactiToolApproval({ client });
    const generating = generate(model, { shell: impostor as never }, { toolApproval });
    await denyWhenPending(`shell ${JSON.stringify({ command })}`, "not that one");
    await generating;
    expect(calls).toBe(0);
    expect(toolResultSeen(model)).toEqual({
      type: "execution-denied",
      reason: "The tool call was denied by alice and did not run. Reason: not that one",
    });
    // The tool itself, copied whole, is still its own gate.
    const copy = { ...expactiTool({ client }) };
    expect(await toolApproval({ toolCall: { toolCallId: "c", toolName: "shell", input: {} }, tools: { shell: copy } })).toBe(
      "not-applicable",
    );
  });

  it("cancels the pending approval when its abortSignal fires", async () => {
    const { writer, calls } = writeNote();
    const input = { path: scratchFile("note"), text: "x" };
    const controller = new AbortController();
    const model = modelCalling("writeNote", input);
    const toolApproval = expactiToolApproval({ client, abortSignal: controller.signal });
    const generating = generate(model, { writeNote: writer }, { toolApproval, abortSignal: controller.signal });
    const finished = generating.then(
      () => "resolved",
      () => "rejected",
    );
    const commandId = await pendingId(`writeNote ${JSON.stringify(input)}`);
    controller.abort();
    await finished; // however `ai` ends an aborted generation, the tool must not have run
    await waitForStatus(commandId, "cancelled");
    expect(calls()).toBe(0);
  });
});

describe("streamText", () => {
  it("runs the shell tool's approved command", async () => {
    const command = uniqueCommand("echo streamed");
    const model = streamingModelCalling("shell", { command });
    const tools = { shell: expactiTool({ client }) };
    const result = streamText({ model, tools, prompt: "p", stopWhen: stepCountIs(3) });
    const text = result.text;
    await approveWhenPending(command);
    expect(await text).toBe("done");
    expect(toolResultSeen(model)).toEqual({ type: "text", value: "streamed" });
  });

  it("routes toolApproval to a human, whose denial the model gets", async () => {
    const file = scratchFile("streamed-note");
    const input = { path: file, text: "x" };
    let calls = 0;
    const writer = tool({
      inputSchema: z.object({ path: z.string(), text: z.string() }),
      execute: async () => {
        calls += 1;
        return "written";
      },
    });
    const model = streamingModelCalling("writeNote", input);
    const result = streamText({
      model,
      tools: { writeNote: writer },
      toolApproval: expactiToolApproval({ client }),
      prompt: "p",
      stopWhen: stepCountIs(3),
    });
    const text = result.text;
    await denyWhenPending(`writeNote ${JSON.stringify(input)}`, "not now");
    expect(await text).toBe("done");
    expect(calls).toBe(0);
    expect(toolResultSeen(model)).toEqual({
      type: "execution-denied",
      reason: "The tool call was denied by alice and did not run. Reason: not now",
    });
  });
});
