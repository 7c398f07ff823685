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
import { abortError, CommandAbortedError, ExpactiConnectionError } from "./errors.js";
import { checkSize } from "./frames.js";
import { OutputStream, sendOutput } from "./output.js";
import { TIMED_OUT, within } from "./within.js";

export const SHELL = "/bin/sh";

/** After the command exited, how long (ms) processes it left behind may hold its pipes. */
const LINGER_MS = 500;

/** `execute(command, options)`: `run()`'s options, and how the command runs. */
export interface ExecuteOptions extends RunOptions {
  /** Working directory (default: this process's). */
  cwd?: string;
  /**
   * Environment (default: this process's, as it is: EXPACTI_TOKEN included, if set).
   * Tools that run what a model asks for should leave the agent's credentials out, as
   * `expacti/vercel-ai`'s tool does.
   */
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

/** A running execution as its client tracks it: `close()` stops it. */
export interface RunningExecution {
  readonly stream: OutputStream;
  /** Kill the command (if it still runs) because of `reason`; execute() then rejects. */
  stop(reason: Error): boolean;
}

/**
 * Ask, then run the approved command; see `ExpactiClient.execute()`.
 *
 * Once `client.run()` resolved, nothing awaits until the command is spawned and
 * registered with the client: a `close()` or an abort either comes first, and nothing
 * runs, or finds the command registered and kills it. Either way the caller learns which
 * (CommandAbortedError's `ran`).
 */
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
  const started = run.start({ cwd, env, input }); // spawned now; rejects (nothing ran) when it cannot start
  const execution: RunningExecution = { stream, stop: (reason) => run.stop(reason) };
  client.register(execution);
  // An abort kills the command; one that comes once it has ended by itself only cuts
  // short the wait for the server's last acknowledgement.
  let cutShort = (): void => {};
  const abortedAfterEnd = new Promise<void>((resolve) => (cutShort = resolve));
  const onAbort = (): void => {
    if (!run.stop(signal?.reason)) cutShort();
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  // The process exists now: a close() or an abort from here on kills it, and one that
  // came during the spawn (an env getter can run anything) is caught here.
  if (client.closed()) {
    stream.fail("client closed");
    run.stop(new ExpactiConnectionError("client closed"));
  } else if (signal?.aborted) {
    run.stop(signal.reason);
  }
  let stopped = false;
  try {
    await started;
    const sender = sendOutput(stream, {
      connection: () => client.connection(),
      maxBackoff: client.maxBackoff,
      stopped: () => stopped || client.closed(),
      warn: client.warn,
    });
    sender.catch((error: unknown) => client.warn(`sending the output of ${stream.commandId} failed`, error));
    if (onStart !== undefined) {
      try {
        onStart(run.handle());
      } catch (error) {
        client.warn("the onStart callback threw; the command goes on", error);
      }
    }
    const exitCode = await run.wait();
    stream.end(exitCode, run.duration);
    const acked = await within(Promise.race([stream.settled, abortedAfterEnd]), client.outputAckTimeout * 1000);
    if (acked === TIMED_OUT) {
      client.warn(
        `the server did not acknowledge all output of ${stream.commandId} in time; the rest is discarded`,
      );
    }
    if (!stream.isSettled) stream.fail(acked === TIMED_OUT ? "no acknowledgement in time" : "aborted");
    const result: ExecutionResult = Object.freeze({
      decision,
      exitCode,
      output: run.output,
      recordingId: stream.recordingId,
      recorded: stream.complete,
    });
    if (run.stopped) throw new CommandAbortedError(command, run.stoppedBy, result);
    return result;
  } finally {
    stopped = true;
    signal?.removeEventListener("abort", onAbort);
    client.unregister(execution);
    run.release();
    // The sender stops at its next turn; it may be waiting for a connection, never for us.
    if (!stream.isSettled) stream.fail("the execution stopped waiting for the server");
  }
}

/**
 * Run by a watchdog beside each command, its stdin a pipe from this process: `read`
 * returns when this process is gone, however it ended (Ctrl-C, a crash, SIGKILL), and the
 * command's process group is killed then. It ignores the terminal's signals, which reach
 * it with this process's own group. $0 is the group.
 */
const GUARD_SCRIPT = `trap '' INT HUP TERM QUIT; read _; kill -9 "-$0" 2>/dev/null`;

/** One approved command, from the start to the exit status. */
class CommandRun {
  duration = 0;
  /** Set once `stop()` killed the command: why. */
  stopped = false;
  stoppedBy: unknown = undefined;
  #child: ChildProcess | null = null;
  #guard: ChildProcess | null = null;
  #started = 0;
  #exit: Promise<number> | null = null;
  #spawned = false;
  #exited = false;
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

  get running(): boolean {
    return this.#spawned && !this.#exited;
  }

  /**
   * Spawn the command now (its process exists when this returns, so `stop()` can kill it
   * at once); the promise rejects (nothing ran) when it cannot start, e.g. no such `cwd`.
   */
  start(options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string | Uint8Array }): Promise<void> {
    const child = spawn(SHELL, ["-c", this.decision.command], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      // Its own process group, so that a kill reaches what the shell started too.
      detached: true,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    this.#started = performance.now();
    this.#child = child;
    if (child.pid !== undefined) this.#guardGroup(child.pid);
    const exit = this.#watch(child);
    exit.catch(() => {
      // Reported by the spawn below, or by wait().
    });
    this.#exit = exit;
    return new Promise<void>((resolve, reject) => {
      child.once("spawn", () => {
        this.#spawned = true;
        if (options.input !== undefined && child.stdin !== null) {
          child.stdin.on("error", () => {
            // The command did not read its input (EPIPE): its business.
          });
          child.stdin.end(options.input);
        }
        resolve();
      });
      exit.catch(reject);
    });
  }

  handle(): Execution {
    const run = this;
    return Object.freeze({
      decision: this.decision,
      commandId: this.decision.commandId,
      pid: this.#child?.pid ?? 0,
      get running(): boolean {
        return run.running;
      },
      kill: (signal: NodeJS.Signals = "SIGTERM") => this.kill(signal),
    });
  }

  wait(): Promise<number> {
    return this.#exit ?? Promise.reject(new Error("the command was never started"));
  }

  /** Send `signal` to the command's process group, unless it has exited. */
  kill(signal: NodeJS.Signals): boolean {
    const pid = this.#child?.pid;
    if (pid === undefined || this.#exited) return false;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false; // already gone
    }
  }

  /**
   * Kill the command because of `reason` (an abort, a close); false, doing nothing, when
   * it has exited already.
   */
  stop(reason: unknown): boolean {
    if (this.stopped) return true;
    if (!this.kill("SIGKILL")) return false;
    this.stopped = true;
    this.stoppedBy = reason;
    return true;
  }

  /** The command is over: its watchdog goes (idempotent). */
  release(): void {
    const guard = this.#guard;
    this.#guard = null;
    if (guard !== null && guard.exitCode === null && guard.signalCode === null) guard.kill("SIGKILL");
  }

  #guardGroup(pid: number): void {
    const guard = spawn(SHELL, ["-c", GUARD_SCRIPT, String(pid)], { stdio: ["pipe", "ignore", "ignore"] });
    guard.on("error", (error) => {
      this.warn(`cannot watch ${this.decision.commandId}: it would outlive this process`, error);
    });
    guard.stdin?.on("error", () => {
      // The watchdog is gone (released, or killed by someone): nothing to tell it.
    });
    // Neither keeps Node running: the command's own process does while it runs.
    guard.unref();
    (guard.stdin as { unref?: () => void } | null)?.unref?.();
    this.#guard = guard;
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
        this.release();
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
        this.#exited = true;
        this.release();
        if (status === null) {
          done = true;
          reject(error); // could not start: nothing ran
        }
      });
      child.once("exit", (code, signal) => {
        this.#exited = true;
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
