/**
 * An execution's output on its way to the server: batched, numbered, kept until the server
 * acknowledged it, and never a reason for the command to wait.
 *
 * The command's side (`output()`, `end()`) only appends to memory and returns at once. A
 * sender (`sendOutput()`) takes frames from here to whatever connection the client has,
 * re-sends `exec_start` and everything unacknowledged after a reconnect, and drops a frame
 * only once its `exec_ack` came. When more than `bufferBytes` wait, the oldest output
 * frames are dropped and the next frame sent for the first time says how many output bytes
 * were lost (`dropped_bytes`).
 */

import { backoffDelay } from "./backoff.js";
import type { Connection } from "./connection.js";
import { ExpactiAuthenticationError } from "./errors.js";
import {
  execEndFrame,
  execOutputFrame,
  execStartFrame,
  type ErrorFrame,
  type ExecAckFrame,
  type ExecEvent,
} from "./frames.js";

/** Output waits at most this long (ms) to be batched into a frame. */
export const FLUSH_MS = 50;
/** A batch holding this many bytes of output becomes a frame at once. */
export const FLUSH_BYTES = 32 * 1024;
/** The protocol's limit of events in one `exec_output` frame. */
export const MAX_EVENTS = 1000;
const ENVELOPE_BYTES = 512; // the frame's own fields around its events, with room to spare

/** One numbered frame; its text is fixed when it is first sent, for exact re-sends. */
interface Frame {
  seq: number;
  events: ExecEvent[] | null; // null: the exec_end frame
  outputBytes: number; // UTF-8 bytes of its "o" events
  size: number; // what it holds in memory, roughly: its JSON
  end: readonly [exitCode: number, duration: number] | null;
  text: string | null;
  carried: number; // the dropped_bytes it was sent with
}

/** The frames of one execution, from the command's start to the server's last ack. */
export class OutputStream {
  recordingId: string | null = null;
  /** Why the server will take nothing more of this execution, if it refused. */
  failure: string | null = null;
  /** `unavailable` errors in a row: the sender waits longer before each restart. */
  retries = 0;
  /** Set by an `unavailable` error: send `exec_start` and the rest again, later. */
  restart = false;
  droppedTotal = 0;
  /** Resolves once the server acknowledged `exec_end`, or the execution failed. */
  readonly settled: Promise<void>;
  isSettled = false;
  #settle!: () => void;
  readonly #budget: number;
  #frames: Frame[] = [];
  #held = 0; // sum of the waiting frames' sizes
  #nextSeq = 1;
  #acked = 0;
  #sent = 0; // the highest seq handed to the current connection
  #endSeq: number | null = null;
  #dropped = 0; // output bytes lost and not yet reported in a frame
  // Frames dropped while in flight on the current connection: lost only if their ack never
  // comes (seq -> output bytes, and the loss they were reporting).
  readonly #inFlightLost = new Map<number, readonly [number, number]>();
  #lastT = 0;
  #batch: ExecEvent[] = [];
  #batchSize = 0;
  #batchOutput = 0;
  #timer: NodeJS.Timeout | null = null;
  #wake: (() => void) | null = null;

  constructor(
    readonly commandId: string,
    readonly cols: number,
    readonly rows: number,
    readonly bufferBytes: number,
    frameBytes: number,
  ) {
    this.#budget = Math.max(frameBytes - ENVELOPE_BYTES, 1024);
    this.settled = new Promise((resolve) => {
      this.#settle = resolve;
    });
  }

  /** Whether the server acknowledged every frame, `exec_end` included, losing none. */
  get complete(): boolean {
    return (
      this.#endSeq !== null && this.#acked >= this.#endSeq && this.failure === null && this.droppedTotal === 0
    );
  }

  get startFrame(): string {
    return execStartFrame(this.commandId, this.cols, this.rows);
  }

  // -- the command's side: never waits -----------------------------------------------

  /** Record what the command printed at `t` seconds. */
  output(text: string, t: number): void {
    if (text !== "" && this.#endSeq === null) this.#add([t, "o", text], Buffer.byteLength(text, "utf8"));
  }

  /** The command ended: the last batch, then `exec_end`; nothing is added after. */
  end(exitCode: number, duration: number): void {
    if (this.#endSeq !== null) return;
    this.#flush();
    this.#endSeq = this.#nextSeq;
    this.#nextSeq += 1;
    this.#push(
      { seq: this.#endSeq, events: null, outputBytes: 0, size: 128, end: [exitCode, duration], text: null, carried: 0 },
      false,
    );
  }

  // -- the server's side ---------------------------------------------------------------

  /** A new connection: everything unacknowledged goes again, after `exec_start`. */
  connected(): void {
    for (const [outputBytes, carried] of this.#inFlightLost.values()) this.#lose(outputBytes, carried);
    this.#inFlightLost.clear();
    this.#sent = this.#acked;
  }

  /** The frames not yet handed to the current connection, in seq order. */
  unsent(): string[] {
    this.#carryLoss();
    const texts: string[] = [];
    for (const frame of this.#frames) {
      if (frame.seq > this.#sent) {
        texts.push(this.#text(frame));
        this.#sent = frame.seq;
      }
    }
    return texts;
  }

  /** Apply an `exec_ack`: everything up to its seq is stored. */
  acknowledged(ack: ExecAckFrame): void {
    this.recordingId = ack.recordingId;
    this.retries = 0;
    const highest = Math.min(ack.seq, this.#nextSeq - 1);
    if (highest > this.#acked) {
      this.#acked = highest;
      while (this.#frames.length > 0 && this.#frames[0]!.seq <= highest) {
        this.#held -= this.#frames.shift()!.size;
      }
      for (const seq of [...this.#inFlightLost.keys()]) {
        if (seq <= highest) this.#inFlightLost.delete(seq); // it arrived after all
      }
    }
    if (this.#endSeq !== null && this.#acked >= this.#endSeq) this.#markSettled();
    this.#notify();
  }

  /** Apply an `error` frame about this execution. */
  refused(error: ErrorFrame, warn: (message: string) => void): void {
    if (error.code === "unavailable") {
      // The server could not store it now: send again.
      this.retries += 1;
      this.restart = true;
      this.#notify();
      return;
    }
    if (error.code === "output_refused") {
      // Keep exec_end going; output is not wanted.
      this.#frames = this.#frames.filter((frame) => frame.events === null);
      this.#held = this.#frames.reduce((sum, frame) => sum + frame.size, 0);
      this.#batch = [];
      warn(`the server refused the output of ${this.commandId}`);
      return;
    }
    this.fail(`${error.code}: ${error.message}`);
  }

  /** Give up: nothing more of this execution will reach the server. */
  fail(reason: string): void {
    if (this.failure === null) this.failure = reason;
    this.#cancelTimer();
    this.#markSettled();
    this.#notify();
  }

  /** Resolve when there is something to send, an ack or failure came, or `conn` is lost. */
  changed(conn: Connection): Promise<void> {
    if (this.failure !== null || this.restart || this.#newest > this.#sent || this.isSettled) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const unsubscribe = conn.whenLost(done);
      this.#wake = done;
      function done(): void {
        unsubscribe();
        resolve();
      }
    });
  }

  // -- inside ----------------------------------------------------------------------------

  get #newest(): number {
    return this.#frames.at(-1)?.seq ?? 0;
  }

  #add(event: ExecEvent, output: number): void {
    this.#lastT = Math.max(this.#lastT, event[0]);
    const size = Buffer.byteLength(JSON.stringify(event), "utf8") + 1; // frames are limited in bytes
    if (size > this.#budget / 2 && event[2].length > 1) {
      // Too large for one frame: two events, split between whole characters.
      let half = Math.floor(event[2].length / 2);
      if (isHighSurrogate(event[2].charCodeAt(half - 1))) half -= 1;
      const first = event[2].slice(0, half);
      const second = event[2].slice(half);
      this.#add([event[0], event[1], first], output > 0 ? Buffer.byteLength(first, "utf8") : 0);
      this.#add([event[0], event[1], second], output > 0 ? Buffer.byteLength(second, "utf8") : 0);
      return;
    }
    if (this.#batch.length > 0 && this.#batchSize + size > this.#budget) this.#flush();
    this.#batch.push(event);
    this.#batchSize += size;
    this.#batchOutput += output;
    if (this.#batchOutput >= FLUSH_BYTES || this.#batch.length >= MAX_EVENTS) {
      this.#flush();
    } else if (this.#timer === null) {
      this.#timer = setTimeout(() => this.#flush(), FLUSH_MS);
    }
  }

  #flush(): void {
    this.#cancelTimer();
    if (this.#batch.length === 0 || this.failure !== null) {
      this.#batch = [];
      this.#batchSize = this.#batchOutput = 0;
      return;
    }
    const frame: Frame = {
      seq: this.#nextSeq,
      events: this.#batch,
      outputBytes: this.#batchOutput,
      size: this.#batchSize + 128,
      end: null,
      text: null,
      carried: 0,
    };
    this.#nextSeq += 1;
    this.#batch = [];
    this.#batchSize = this.#batchOutput = 0;
    this.#push(frame, true);
  }

  #push(frame: Frame, drop: boolean): void {
    this.#frames.push(frame);
    this.#held += frame.size;
    while (drop && this.#held > this.bufferBytes && this.#frames.length > 1) {
      const lost = this.#frames.shift()!; // the newest stays: the most recent output
      this.#held -= lost.size;
      if (lost.seq <= this.#sent) {
        this.#inFlightLost.set(lost.seq, [lost.outputBytes, lost.carried]); // on its way
      } else {
        this.#lose(lost.outputBytes, lost.carried);
      }
    }
    this.#notify();
  }

  /** A frame is gone: its output, and the loss it was to report, go in the next one. */
  #lose(outputBytes: number, carried: number): void {
    this.#dropped += outputBytes + carried;
    this.droppedTotal += outputBytes;
  }

  /**
   * A loss to report and only `exec_end` left to send: an empty output frame before it
   * reports the loss (`exec_end` was never sent, so it may move).
   */
  #carryLoss(): void {
    if (this.#dropped === 0) return;
    const index = this.#frames.findIndex((frame) => frame.text === null);
    const next = this.#frames[index];
    if (next === undefined || next.end === null) return; // the next output frame reports it
    const carrier: Frame = {
      seq: next.seq,
      events: [[this.#lastT, "o", ""]],
      outputBytes: 0,
      size: 128,
      end: null,
      text: null,
      carried: 0,
    };
    next.seq += 1;
    this.#endSeq = next.seq;
    this.#nextSeq += 1;
    this.#frames.splice(index, 0, carrier);
    this.#held += carrier.size;
  }

  #text(frame: Frame): string {
    if (frame.text === null) {
      if (frame.end !== null) {
        frame.text = execEndFrame(this.commandId, frame.seq, frame.end[0], frame.end[1]);
      } else {
        frame.carried = this.#dropped;
        this.#dropped = 0;
        frame.text = execOutputFrame(this.commandId, frame.seq, frame.events ?? [], frame.carried);
      }
    }
    return frame.text;
  }

  #cancelTimer(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  #markSettled(): void {
    if (!this.isSettled) {
      this.isSettled = true;
      this.#settle();
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** What the sender needs of the client. */
export interface OutputLink {
  /** The client's open connection, reconnecting as needed. */
  connection(): Promise<Connection>;
  readonly maxBackoff: number;
  /** Whether the execution stopped waiting for the server, or the client closed. */
  stopped(): boolean;
  warn(message: string, error?: unknown): void;
}

/**
 * Keep `stream`'s frames flowing to the server, over every reconnect, until it settles or
 * the execution stops waiting.
 */
export async function sendOutput(stream: OutputStream, link: OutputLink): Promise<void> {
  let failures = 0;
  while (!stream.isSettled && !link.stopped()) {
    let conn: Connection;
    try {
      conn = await link.connection();
    } catch (error) {
      if (error instanceof ExpactiAuthenticationError) {
        stream.fail(error.message);
        return;
      }
      if (link.stopped()) return;
      link.warn(`execution output of ${stream.commandId} waits for the server`, error);
      // Still unreachable: keep the output and try again, but never in a tight loop.
      failures += 1;
      await pause(backoffDelay(failures, link.maxBackoff) * 1000);
      continue;
    }
    failures = 0;
    await sendUntilLost(stream, conn, link);
    if (!conn.lost) await untilLostOrStopped(conn, stream);
  }
}

/** A pause that does not keep Node running by itself. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function sendUntilLost(stream: OutputStream, conn: Connection, link: OutputLink): Promise<void> {
  for (;;) {
    stream.connected();
    if (!conn.send(stream.startFrame)) return;
    while (!stream.restart) {
      if (stream.isSettled || link.stopped()) return;
      for (const text of stream.unsent()) {
        if (!conn.send(text)) return;
      }
      if (!conn.alive) return;
      await stream.changed(conn);
    }
    stream.restart = false;
    await conn.untilLost(backoffDelay(stream.retries, link.maxBackoff) * 1000);
    if (!conn.alive) return;
  }
}

function untilLostOrStopped(conn: Connection, stream: OutputStream): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribe = conn.whenLost(done);
    void stream.settled.then(done);
    function done(): void {
      unsubscribe();
      resolve();
    }
  });
}
