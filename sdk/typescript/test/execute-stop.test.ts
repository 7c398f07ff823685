/**
 * How an approved command is stopped, and what `execute()` then says: an abort or a
 * `close()` kills it whenever it lands, the error says the command ran (so nobody runs it
 * twice by mistake), and an agent that dies takes its commands with it.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";

import { CommandAbortedError, ExpactiClient, ExpactiConnectionError, type Execution } from "../src/index.js";
import { alive, startAgent } from "./support/agent.js";
import { Proxy } from "./support/proxy.js";
import { approveWhenPending, pendingId, rejection, serverInfo, uniqueCommand, until } from "./support/server.js";

const info = serverInfo();
const client = new ExpactiClient({ url: info.wsUrl, token: info.agentToken });
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "expacti-stop-"));
});

afterAll(async () => {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A shell line that waits until `path` exists (the test creates it when it is ready). */
const waitFor = (path: string): string => `while [ ! -e '${path}' ]; do sleep 0.02; done`;

describe("an abort", () => {
  it("inside onStart kills the command; the error says it started", async () => {
    const marker = join(dir, "on-start");
    const command = uniqueCommand(`sleep 100; touch '${marker}'`);
    const controller = new AbortController();
    const failing = rejection(
      client.execute(command, { signal: controller.signal, onStart: () => controller.abort(new Error("stop")) }),
    );
    await approveWhenPending(command);
    const error = (await failing) as CommandAbortedError;
    expect(error).toBeInstanceOf(CommandAbortedError);
    expect([error.ran, error.exitCode, error.reason]).toEqual([true, 137, new Error("stop")]);
    expect(error.message).toMatch(/stopped after it started/);
    expect(existsSync(marker)).toBe(false);
  });

  it("while it runs kills it; the error carries what it printed and its recording", async () => {
    const marker = join(dir, "running");
    const command = uniqueCommand(`echo started; sleep 100; touch '${marker}'`);
    const controller = new AbortController();
    const seen: string[] = [];
    const failing = rejection(
      client.execute(command, { signal: controller.signal, onOutput: (text) => seen.push(text) }),
    );
    const commandId = await approveWhenPending(command);
    await until(() => seen.join("").includes("started"));
    controller.abort();
    const error = (await failing) as CommandAbortedError;
    expect([error.name, error.ran, error.exitCode]).toEqual(["AbortError", true, 137]);
    expect(error.result).toMatchObject({ exitCode: 137, output: "started\n", recorded: true });
    expect(error.result!.decision.commandId).toBe(commandId);
    expect(existsSync(marker)).toBe(false);
  });

  it("before the approval cancels it: nothing ran, and the error says so", async () => {
    const command = uniqueCommand("echo never");
    const controller = new AbortController();
    const failing = rejection(client.execute(command, { signal: controller.signal }));
    await pendingId(command);
    controller.abort();
    const error = (await failing) as CommandAbortedError;
    expect([error.ran, error.exitCode, error.result]).toEqual([false, null, null]);
    expect(error.message).toBe("the wait was aborted; the command was cancelled");
  });

  it("after the command ended by itself changes nothing: execute resolves at once", async () => {
    const proxy = await Proxy.start(info.port);
    // The server will never acknowledge the end: only the abort can end the wait for it.
    const cut = new ExpactiClient({ url: proxy.wsUrl, token: info.agentToken, outputAckTimeout: 600 });
    try {
      const go = join(dir, "go-after-end");
      const command = uniqueCommand(`${waitFor(go)}; echo done`);
      const controller = new AbortController();
      const started: Execution[] = [];
      const seen: string[] = [];
      const running = cut.execute(command, {
        signal: controller.signal,
        onStart: (execution) => started.push(execution),
        onOutput: (text) => seen.push(text),
      });
      await approveWhenPending(command);
      await until(() => started.length === 1);
      proxy.refuse(true);
      proxy.drop();
      writeFileSync(go, "");
      await until(() => !started[0]!.running && seen.join("") === "done\n");
      controller.abort();
      const result = await running;
      expect([result.exitCode, result.output, result.recorded]).toEqual([0, "done\n", false]);
    } finally {
      await cut.close();
      await proxy.close();
    }
  });
});

describe("close()", () => {
  it("while the command runs kills it; execute rejects saying it ran", async () => {
    const own = new ExpactiClient({ url: info.wsUrl, token: info.agentToken });
    const marker = join(dir, "closed");
    const command = uniqueCommand(`echo started; sleep 100; touch '${marker}'`);
    const seen: string[] = [];
    const failing = rejection(own.execute(command, { onOutput: (text) => seen.push(text) }));
    await approveWhenPending(command);
    await until(() => seen.join("").includes("started"));
    await own.close();
    const error = (await failing) as CommandAbortedError;
    expect(error).toBeInstanceOf(CommandAbortedError);
    expect([error.ran, error.exitCode]).toEqual([true, 137]);
    expect(error.reason).toBeInstanceOf(ExpactiConnectionError);
    expect(error.message).toMatch(/^the client was closed while the command ran/);
    expect(existsSync(marker)).toBe(false);
  });

  it("landing between the approval and the start: execute settles, the agent exits", async () => {
    const marker = join(dir, "race");
    const command = uniqueCommand(`sleep 100; touch '${marker}'`);
    // The environment is read while the command is spawned: closing from there lands in
    // the narrowest window there is.
    const agent = startAgent(
      `
      const { ExpactiClient } = await import("expacti");
      const client = new ExpactiClient({ url: process.env.URL, token: process.env.TOKEN });
      let closing = null;
      const env = new Proxy({ ...process.env }, {
        ownKeys(target) { closing ??= client.close(); return Reflect.ownKeys(target); },
      });
      try {
        const result = await client.execute(process.env.COMMAND, { env });
        console.log("outcome " + JSON.stringify({ resolved: result.exitCode }));
      } catch (error) {
        console.log("outcome " + JSON.stringify({ name: error.name, ran: error.ran, exitCode: error.exitCode, message: error.message }));
      }
      await closing;
      `,
      { URL: info.wsUrl, TOKEN: info.agentToken, COMMAND: command },
    );
    onTestFinished(() => {
      agent.process.kill("SIGKILL"); // one that hangs must not outlive the test
    });
    await approveWhenPending(command);
    const { code, out, err } = await agent.exited;
    expect(code, err).toBe(0);
    const outcome = JSON.parse(out.split("outcome ")[1]!);
    expect(outcome).toMatchObject({ name: "AbortError", ran: true, exitCode: 137 });
    expect(outcome.message).toMatch(/^the client was closed while the command ran/);
    expect(existsSync(marker)).toBe(false);
  });
});

describe("an agent that dies while its command runs", () => {
  for (const signal of ["SIGKILL", "SIGINT"] as const) {
    it(`takes the command's processes with it (${signal})`, async () => {
      const pids = join(dir, `pids-${signal}`);
      const command = uniqueCommand(`sleep 100 & echo "$$ $!" > '${pids}'; wait`);
      const agent = startAgent(
        `
        const { ExpactiClient } = await import("expacti");
        const client = new ExpactiClient({ url: process.env.URL, token: process.env.TOKEN });
        await client.execute(process.env.COMMAND, { onStart: () => console.log("started") });
        `,
        { URL: info.wsUrl, TOKEN: info.agentToken, COMMAND: command },
      );
      let running: number[] = [];
      let finished = false;
      onTestFinished(() => {
        finished = true;
        agent.process.kill("SIGKILL");
        for (const pid of running) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // gone, as it should be
          }
        }
      });
      await approveWhenPending(command);
      await agent.line("started");
      await until(() => existsSync(pids) && readFileSync(pids, "utf8").endsWith("\n"));
      running = readFileSync(pids, "utf8").trim().split(" ").map(Number);
      expect(await alive(running[0]!)).toBe(true);
      agent.process.kill(signal);
      await agent.exited;
      for (const pid of running) {
        while (!finished && (await alive(pid))) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
  }
});
