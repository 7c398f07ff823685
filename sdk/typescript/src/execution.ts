/**
 * Running an approved command: `/bin/sh -c` with pipes, its output decoded as UTF-8
 * incrementally, kept for the result, handed to `onOutput` and recorded for the server,
 * without ever waiting for the network.
 *
 * Node has no pseudo-terminal without a native addon, so the command's stdout and stderr
 * are pipes: a command that checks for a terminal (colours, progress bars, prompts) behaves
 * as it does in CI. The recording gets what a terminal would have shown (`\n` as `\r\n`).
 */

import { spawn, type ChildProcess } from "node:child_process";
import { constants as osConstants } from "node:os";
import { StringDecoder } from "node:string_decoder";

import type { Executor, RunOptions } from "./client.js";
import type { Decision } from "./decision.js";
import { abortError } from "./errors.js";
import { checkSize } from "./frames.js";
import { OutputStream, sendOutput } from "./output.js";

export const SHELL = "/bin/sh";

/** After the command exited, how long (ms) processes it left behind may hold its pipes. */
const LINGER_MS = 500;

/** `execute(command, options)`: `run()`'s options, and how the command runs. */
export interface ExecuteOptions extends RunOptions {
  /** Working directory (default: this process's). */
  cwd?: string;
  /** Environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Written to the command's stdin, which is then closed; without it stdin is empty. */
  input?: string | Uint8Array;
  /** Called with each piece of text the command prints (stdout and stderr), as it comes. */
  onOutput?: (text: string) => void;
  /** Called once the command started, with its Execution. */
  onStart?: (execution: Execution) => void;
  /** False: `ExecutionResult.output` is "" (for long commands whose output only streams). */
  keepOutput?: boolean;
  /** The size the recording shows the output in (default 80x24); 1-1000 each. */
  cols?: number;
  rows?: number;
}

/**
 * What `execute()` resolves with: the decision, and how the command it approved ran.
 *
 * `exitCode` is the command's exit status (128+N when killed by signal N), or null when it
 * did not run (not approved, with `raiseOnDeny: false`). `output` is everything it printed
 * on stdout and stderr, decoded as UTF-8 (invalid bytes as U+FFFD): exactly what
 * `onOutput` was given. `recordingId` names the server's recording (null before the
 * server answered); `recorded` is true when the server acknowledged all of it, the end
 * included.
 */
export interface ExecutionResult {
  readonly decision: Decision;
  readonly exitCode: number | null;
  readonly output: string;
  readonly recordingId: string | null;
  readonly recorded: boolean;
}

/** An approved command running now, as `execute({ onStart })` hands it over. */
export interface Execution {
  /** The approval; `decision.command` is what runs (a reviewer may have edited it). */
  readonly decision: Decision;
  readonly commandId: string;
  /** The process id of `/bin/sh -c COMMAND`, also its process group. */
  readonly pid: number;
  readonly running: boolean;
  /** Send `signal` to the command's process group (default SIGTERM). */
  kill(signal?: NodeJS.Signals): void;
}

/** Ask, then run the approved command; see `ExpactiClient.execute()`. */
export async function executeApproved(
  client: Executor,
  command: string,
  options: ExecuteOptions,
): Promise<ExecutionResult> {
  if (process.platform === "win32") {
    throw new Error("execute() needs a POSIX system with /bin/sh");
  }
  const { cwd, env, input, onOutput, onStart, keepOutput = true, cols = 80, rows = 24, ...runOptions } = options;
  checkSize(cols, rows); // a bad size fails before anything is asked
  for (const [name, callback] of [
    ["onOutput", onOutput],
    ["onStart", onStart],
  ] as const) {
    if (callback !== undefined && typeof callback !== "function") throw new TypeError(`${name} must be a function`);
  }
  const decision = await client.run(command, runOptions);
  if (!decision.approved) {
    return Object.freeze({ decision, exitCode: null, output: "", recordingId: null, recorded: false });
  }
  client.checkOpen();
  const signal = runOptions.signal;
  if (signal?.aborted) throw abortError(command, signal.reason);
  const stream = new OutputStream(decision.commandId, cols, rows, client.outputBufferBytes, client.frameLimit());
  const run = new CommandRun(decision, stream, keepOutput, onOutput, client.warn);
  await run.start({ cwd, env, input }); // rejects (nothing ran) when it cannot start
  client.register(stream);
  let stopped = false;
  const sender = sendOutput(stream, {
    connection: () => client.connection(),
    maxBackoff: client.maxBackoff,
    stopped: () => stopped,
    warn: client.warn,
  });
  if (onStart !== undefined) {
    try {
      onStart(run.handle());
    } catch (error) {
      client.warn("the onStart callback threw; the command goes on", error);
    }
  }
  const onAbort = (): void => run.kill("SIGKILL");
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const exitCode = await run.wait();
    stream.end(exitCode, run.duration);
    await settledWithin(stream, client.outputAckTimeout * 1000);
    if (!stream.isSettled) {
      client.warn(
        `the server did not acknowledge all output of ${stream.commandId} in time; the rest is discarded`,
      );
      stream.fail("no acknowledgement in time");
    }
    if (signal?.aborted) throw abortError(command, signal.reason);
    return Object.freeze({
      decision,
      exitCode,
      output: run.output,
      recordingId: stream.recordingId,
      recorded: stream.complete,
    });
  } finally {
    stopped = true;
    signal?.removeEventListener("abort", onAbort);
    client.unregister(stream);
    // The sender stops at its next turn; it may be waiting for a connection, never for us.
    if (!stream.isSettled) stream.fail("the execution stopped waiting for the server");
    sender.catch((error: unknown) => client.warn(`sending the output of ${stream.commandId} failed`, error));
  }
}

/** One approved command, from the start to the exit status. */
class CommandRun {
  duration = 0;
  #child: ChildProcess | null = null;
  #started = 0;
  #exit: Promise<number> | null = null;
  #running = false;
  readonly #parts: string[] = [];
  #outputFailed = false;

  constructor(
    readonly decision: Decision,
    readonly stream: OutputStream,
    readonly keep: boolean,
    readonly onOutput: ((text: string) => void) | undefined,
    readonly warn: (message: string, error?: unknown) => void,
  ) {}

  get output(): string {
    return this.#parts.join("");
  }

  /** Start the command; rejects (nothing ran) when it cannot start, e.g. no such `cwd`. */
  async start(options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string | Uint8Array }): Promise<void> {
    const child = spawn(SHELL, ["-c", this.decision.command], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      // Its own process group, so that a kill reaches what the shell started too.
      detached: true,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    this.#started = performance.now();
    this.#child = child;
    const exit = this.#watch(child);
    exit.catch(() => {
      // Reported by the spawn below, or by wait().
    });
    await new Promise<void>((resolve, reject) => {
      child.once("spawn", resolve);
      exit.catch(reject);
    });
    this.#running = true;
    this.#exit = exit;
    if (options.input !== undefined && child.stdin !== null) {
      child.stdin.on("error", () => {
        // The command did not read its input (EPIPE): its business.
      });
      child.stdin.end(options.input);
    }
  }

  handle(): Execution {
    const run = this;
    return Object.freeze({
      decision: this.decision,
      commandId: this.decision.commandId,
      pid: this.#child?.pid ?? 0,
      get running(): boolean {
        return run.#running;
      },
      kill: (signal: NodeJS.Signals = "SIGTERM") => this.kill(signal),
    });
  }

  wait(): Promise<number> {
    return this.#exit ?? Promise.reject(new Error("the command was never started"));
  }

  kill(signal: NodeJS.Signals): void {
    const pid = this.#child?.pid;
    if (!this.#running || pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }

  #watch(child: ChildProcess): Promise<number> {
    return new Promise((resolve, reject) => {
      const streams = [child.stdout, child.stderr].filter((s) => s !== null);
      let open = streams.length;
      let status: number | null = null;
      let linger: NodeJS.Timeout | null = null;
      let done = false;
      const finish = (): void => {
        if (done || status === null || open > 0) return;
        done = true;
        if (linger !== null) clearTimeout(linger);
        this.duration = Math.round(performance.now() - this.#started) / 1000;
        resolve(status);
      };
      for (const output of streams) {
        const decoder = new StringDecoder("utf8");
        output.on("data", (chunk: Buffer) => this.#emit(decoder.write(chunk)));
        output.on("close", () => {
          if (done) return;
          this.#emit(decoder.end()); // a character cut off at the end
          open -= 1;
          finish();
        });
      }
      child.once("error", (error) => {
        this.#running = false;
        if (status === null) {
          done = true;
          reject(error); // could not start: nothing ran
        }
      });
      child.once("exit", (code, signal) => {
        this.#running = false;
        status = code ?? 128 + (signal === null ? 0 : (osConstants.signals[signal] ?? 0));
        if (open > 0) {
          // Processes the command left behind may hold its pipes open: wait a little for
          // their output, then stop reading.
          linger = setTimeout(() => {
            open = 0;
            finish();
            for (const output of streams) output.destroy();
          }, LINGER_MS);
        }
        finish();
      });
    });
  }

  #emit(text: string): void {
    if (text === "") return;
    const t = Math.max(Math.round(performance.now() - this.#started) / 1000, 0);
    // A terminal would have shown a line feed as CR LF (onlcr); the player is a terminal.
    this.stream.output(text.replaceAll("\n", "\r\n"), t);
    if (this.keep) this.#parts.push(text);
    if (this.onOutput !== undefined) {
      try {
        this.onOutput(text);
      } catch (error) {
        if (!this.#outputFailed) this.warn("the onOutput callback threw; the command goes on", error);
        this.#outputFailed = true;
      }
    }
  }
}

function settledWithin(stream: OutputStream, ms: number): Promise<void> {
  if (stream.isSettled) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void stream.settled.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
