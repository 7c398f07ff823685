/**
 * `execute()` against the real server: only an approved command runs, its output reaches
 * the result and the server's recording (exactly once, across a cut connection), and what
 * the bounded buffer had to drop is said so.
 */

import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CommandAbortedError, CommandDeniedError, ExpactiClient, type Execution } from "../src/index.js";
import { Proxy } from "./support/proxy.js";
import {
  approve,
  approveWhenPending,
  denyWhenPending,
  getCommand,
  pendingId,
  rejection,
  reviewer,
  serverInfo,
  uniqueCommand,
  until,
  waitForStatus,
} from "./support/server.js";

const info = serverInfo();
const client = new ExpactiClient({ url: info.wsUrl, token: info.agentToken });
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "expacti-exec-"));
});

afterAll(async () => {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
});

type CastEvent = [number, string, string];

async function cast(recordingId: string): Promise<{ header: any; events: CastEvent[] }> {
  const response = await fetch(`${info.httpUrl}/api/v1/recordings/${recordingId}/cast`, {
    headers: { Authorization: `Bearer ${info.reviewerToken}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/x-asciicast/);
  const [header, ...events] = (await response.text())
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));
  return { header, events: events as CastEvent[] };
}

const printed = (events: CastEvent[]): string =>
  events
    .filter(([, code]) => code === "o")
    .map(([, , data]) => data)
    .join("");

/** A shell line that waits until `path` exists (the test creates it when it is ready). */
const waitFor = (path: string): string => `while [ ! -e '${path}' ]; do sleep 0.02; done`;

describe("execute", () => {
  it("runs the approved command; its output reaches the result, onOutput and the recording", async () => {
    const command = uniqueCommand(
      "printf 'building \\342\\234\\223\\n'; echo 'to stderr' >&2; printf 'no newline'; exit 3",
    );
    const seen: string[] = [];
    const running = client.execute(command, { onOutput: (text) => seen.push(text), cols: 100, rows: 30 });
    const commandId = await approveWhenPending(command);
    const result = await running;

    expect(result.exitCode).toBe(3);
    expect(result.decision).toMatchObject({ approved: true, commandId });
    expect(result.output).toBe(seen.join(""));
    // stdout and stderr are two pipes: each in order, interleaved as they came.
    expect(result.output).toContain("building ✓\n");
    expect(result.output).toContain("to stderr\n");
    expect(result.output.replace("to stderr\n", "")).toBe("building ✓\nno newline");
    expect(result.recorded).toBe(true);
    expect(result.recordingId).toMatch(/^rec_/);

    const { header, events } = await cast(result.recordingId!);
    expect([header.version, header.width, header.height]).toEqual([2, 100, 30]);
    // What a terminal would have shown: line feeds as CR LF.
    expect(printed(events)).toBe(result.output.replaceAll("\n", "\r\n"));
    expect(events.filter(([, code]) => code === "m").map(([, , data]) => data)).toEqual([command]);
    const times = events.map(([t]) => t);
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const view = await getCommand(commandId);
    expect(view.recording_id).toBe(result.recordingId);
    const detail = await reviewer("GET", `/api/v1/recordings/${result.recordingId}`);
    expect(detail.status).toBe("finished");
    expect(detail.markers.map((m: any) => [m.command_id, m.exit_code, m.finished])).toEqual([[commandId, 3, true]]);
  });

  it("never runs a denied command", async () => {
    const marker = join(dir, "denied");
    const command = uniqueCommand(`touch '${marker}'`);
    const failing = rejection(client.execute(command));
    await denyWhenPending(command, "not here");
    expect(await failing).toBeInstanceOf(CommandDeniedError);

    const quiet = client.execute(command, { raiseOnDeny: false });
    await denyWhenPending(command, "still not");
    const result = await quiet;
    expect([result.exitCode, result.output, result.recordingId, result.recorded]).toEqual([null, "", null, false]);
    expect(existsSync(marker)).toBe(false);
  });

  it("runs the reviewer's edit, never the original", async () => {
    const original = join(dir, "original");
    const edited = join(dir, "edited");
    const command = uniqueCommand(`touch '${original}'`);
    const running = client.execute(command);
    await approve(await pendingId(command), { command: `touch '${edited}' && echo edited` });
    const result = await running;
    expect([result.decision.edited, result.output, result.exitCode]).toEqual([true, "edited\n", 0]);
    expect([existsSync(original), existsSync(edited)]).toEqual([false, true]);
  });

  it("passes input, cwd and env, and hands over the running command", async () => {
    const command = uniqueCommand('echo "$GREETING from $(pwd)"; cat');
    const started: Execution[] = [];
    const running = client.execute(command, {
      input: "typed\n",
      cwd: dir,
      env: { ...process.env, GREETING: "hello" },
      onStart: (execution) => started.push(execution),
    });
    await approveWhenPending(command);
    const result = await running;
    expect(result.output).toBe(`hello from ${dir}\ntyped\n`);
    expect(started).toHaveLength(1);
    expect(started[0]!.pid).toBeGreaterThan(0);
    expect(started[0]!.running).toBe(false);
  });

  it("rejects a command that cannot start; nothing ran", async () => {
    const command = uniqueCommand("echo never");
    const failing = rejection(client.execute(command, { cwd: join(dir, "no-such-dir") }));
    await approveWhenPending(command);
    const error = (await failing) as NodeJS.ErrnoException;
    expect(error.code).toBe("ENOENT");
  });

  it("kills the command when its signal aborts, and records its end", async () => {
    const marker = join(dir, "after-abort");
    const command = uniqueCommand(`echo started; sleep 30; touch '${marker}'`);
    const controller = new AbortController();
    const seen: string[] = [];
    const failing = rejection(
      client.execute(command, { signal: controller.signal, onOutput: (text) => seen.push(text) }),
    );
    const commandId = await approveWhenPending(command);
    await until(() => seen.join("").includes("started"));
    controller.abort();
    expect(await failing).toBeInstanceOf(CommandAbortedError);
    expect(existsSync(marker)).toBe(false);
    const view = await waitForStatus(commandId, "approved");
    const detail = await reviewer("GET", `/api/v1/recordings/${view.recording_id}`);
    expect(detail.markers.map((m: any) => [m.exit_code, m.finished])).toEqual([[137, true]]);
  });

  it("refuses a bad terminal size before anything is asked", async () => {
    await expect(client.execute("ls", { cols: 0 })).rejects.toThrow(RangeError);
    await expect(client.execute("ls", { rows: 1001 })).rejects.toThrow(RangeError);
  });
});

describe("execute across a cut connection", () => {
  let proxy: Proxy;
  let cut: ExpactiClient;

  beforeAll(async () => {
    proxy = await Proxy.start(info.port);
    cut = new ExpactiClient({ url: proxy.wsUrl, token: info.agentToken, maxBackoff: 0.2, outputAckTimeout: 30 });
  });

  afterAll(async () => {
    await cut.close();
    await proxy.close();
  });

  it("re-sends what the server did not acknowledge: the recording holds it all, once", async () => {
    const go = join(dir, "go-on");
    const command = uniqueCommand(`echo first; ${waitFor(go)}; echo second`);
    const seen: string[] = [];
    const running = cut.execute(command, { onOutput: (text) => seen.push(text) });
    await approveWhenPending(command);
    await until(() => seen.join("") === "first\n");
    proxy.drop();
    writeFileSync(go, "");
    const result = await running;
    expect(result.output).toBe("first\nsecond\n");
    expect(result.recorded).toBe(true);
    const { events } = await cast(result.recordingId!);
    expect(printed(events)).toBe("first\r\nsecond\r\n");
    expect(events.some(([, , data]) => data.includes("were lost"))).toBe(false);
  });

  it("drops the oldest output beyond its bound while offline, and says so in the recording", async () => {
    const small = new ExpactiClient({
      url: proxy.wsUrl,
      token: info.agentToken,
      maxBackoff: 0.2,
      outputBufferBytes: 4096,
      outputAckTimeout: 30,
    });
    const first = join(dir, "first-burst");
    const second = join(dir, "second-burst");
    const finish = join(dir, "finish");
    // Two bursts, each larger than the bound, while the server is out of reach: the first
    // is dropped when the second comes.
    const command = uniqueCommand(
      `echo start; ${waitFor(first)}; head -c 40000 /dev/zero | tr '\\0' x; ` +
        `${waitFor(second)}; head -c 40000 /dev/zero | tr '\\0' y; echo; ${waitFor(finish)}; echo end`,
    );
    const seen: string[] = [];
    const count = (char: string): number => seen.join("").split(char).length - 1;
    try {
      const running = small.execute(command, { onOutput: (text) => seen.push(text) });
      await approveWhenPending(command);
      await until(() => seen.join("") === "start\n");
      proxy.refuse(true);
      proxy.drop();
      writeFileSync(first, "");
      await until(() => count("x") === 40000);
      writeFileSync(second, "");
      await until(() => count("y") === 40000 && seen.join("").endsWith("\n"));
      proxy.refuse(false);
      writeFileSync(finish, "");
      const result = await running;

      expect(result.output).toBe(`start\n${"x".repeat(40000)}${"y".repeat(40000)}\nend\n`); // the agent has it all
      expect(result.recorded).toBe(false); // the recording does not
      const { events } = await cast(result.recordingId!);
      const notes = events.filter(([, code, data]) => code === "m" && data.includes("were lost"));
      expect(notes.length).toBeGreaterThan(0);
      const missing = notes.reduce((sum, [, , data]) => sum + Number(/expacti: (\d+) bytes/.exec(data)![1]), 0);
      expect(missing).toBeGreaterThan(0);
      // What was not dropped arrived once: the recording is the output less what was lost.
      const recorded = printed(events);
      const sent = result.output.replaceAll("\n", "\r\n");
      expect(Buffer.byteLength(recorded) + missing).toBe(Buffer.byteLength(sent));
      expect(recorded.endsWith("end\r\n")).toBe(true); // the newest frame is never dropped
    } finally {
      await small.close();
    }
  });
});
