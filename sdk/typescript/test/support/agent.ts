/**
 * An agent in a process of its own, using the built package (`npm run build` first) as a
 * user's code would: for what a test cannot do to its own process (kill it, let it hang).
 */

import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface Agent {
  readonly process: ChildProcess;
  /** Everything it printed on stdout, once it exited; rejects if it failed to start. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>;
  /** Resolves with the first stdout line that starts with `prefix`. */
  line(prefix: string): Promise<string>;
}

/** Run `script` (an ES module body; `import("expacti")` works) with `env` added. */
export function startAgent(script: string, env: Record<string, string>): Agent {
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const waiting: Array<() => void> = [];
  child.stdout!.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    for (const wake of waiting.splice(0)) wake();
  });
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>(
    (resolve, reject) => {
      child.once("error", reject);
      child.once("close", (code, signal) => {
        for (const wake of waiting.splice(0)) wake();
        resolve({ code, signal, out, err });
      });
    },
  );
  return {
    process: child,
    exited,
    async line(prefix: string): Promise<string> {
      for (;;) {
        const found = out.split("\n").find((line) => line.startsWith(prefix));
        if (found !== undefined) return found;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`the agent exited without printing ${prefix}: ${err}${out}`);
        }
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
    },
  };
}

/** Whether process `pid` is still running (not gone, not a zombie waiting to be reaped). */
export async function alive(pid: number): Promise<boolean> {
  const child = spawn("ps", ["-o", "stat=", "-p", String(pid)], { stdio: ["ignore", "pipe", "ignore"] });
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  await new Promise((resolve) => child.once("close", resolve));
  const state = out.trim();
  return state !== "" && !state.startsWith("Z");
}
