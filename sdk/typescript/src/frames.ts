/**
 * Wire frames of protocol v1 (docs/PROTOCOL.md): strict parsing in, validated compact JSON
 * out.
 *
 * The parser fails closed: a frame that is not exactly what the protocol promises throws
 * ExpactiProtocolError, so a malformed `decision` can never be taken as an approval. The
 * builders check what the server would refuse (`invalid_frame`, `command_too_large`,
 * `payload_too_large`) and throw TypeError or RangeError instead of sending it.
 */

import type { Decision, DecisionState, Progress } from "./decision.js";
import { ExpactiProtocolError } from "./errors.js";
import { Fields, isObject, parseStrictJson, type JsonObject } from "./fields.js";

const DECISION_STATES: ReadonlySet<string> = new Set(["approved", "denied", "timed_out", "cancelled"]);
const MAX_APPROVALS = 1000; // far above any real policy; only bounds what a frame may say
const MAX_SEQ = 2 ** 53 - 1; // beyond, JSON integers lose precision

/** The protocol's limits, until a `hello` says otherwise. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxCommandBytes: 65536,
  maxFrameBytes: 1048576,
  maxMetadataBytes: 16384,
});

/** The limits a `submit` must respect (from `hello.limits`). */
export interface Limits {
  maxCommandBytes: number;
  maxFrameBytes: number;
  maxMetadataBytes: number;
}

export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
export const MAX_TIMEOUT_SECONDS = 600;
const MAX_TARGET_CHARS = 255;
const MAX_SESSION_ID_CHARS = 128;
const MAX_SIDE = 1000;
const EVENT_CODES: ReadonlySet<string> = new Set(["o", "r", "i"]);

// -- server frames ---------------------------------------------------------------------

/** Sent once after the handshake: who the token belongs to and the server's limits. */
export interface HelloFrame {
  readonly type: "hello";
  readonly protocol: string;
  readonly server: string | null;
  readonly agent: JsonObject;
  readonly org: JsonObject;
  /** Only the numeric limits; unknown or odd ones are ignored like unknown fields. */
  readonly limits: Readonly<Record<string, number>>;
}

/** The command is pending a human; `resumed` when an earlier submit is being resumed. */
export interface AcceptedFrame {
  readonly type: "accepted";
  readonly requestId: string;
  readonly commandId: string;
  readonly status: string;
  readonly expiresAt: Date;
  readonly resumed: boolean;
}

/**
 * The final decision on a command, validated (`approved` agrees with `decision`).
 * `command` is the server's copy (null from servers that predate it); it only counts when
 * `edited` is true, and then it is never blank.
 */
export interface DecisionFrame {
  readonly type: "decision";
  readonly requestId: string;
  readonly commandId: string;
  readonly approved: boolean;
  readonly decision: DecisionState;
  readonly latencyMs: number;
  readonly reviewer: string | null;
  readonly notes: string | null;
  readonly whitelisted: boolean;
  readonly ruleId: string | null;
  readonly riskScore: number;
  readonly anomalies: readonly string[];
  readonly command: string | null;
  readonly edited: boolean;
  readonly approvers: readonly string[];
}

/** A pending command got a partial approval or was escalated; not a decision. */
export interface ProgressFrame {
  readonly type: "progress";
  readonly requestId: string;
  readonly commandId: string;
  readonly approvals: number;
  readonly required: number;
  readonly approvers: readonly string[];
  readonly escalated: boolean;
  readonly expiresAt: Date;
}

/** The answer to a `ping`. */
export interface PongFrame {
  readonly type: "pong";
  readonly nonce: string | null;
}

/** The server refused a frame; nothing was created, decided or cancelled. */
export interface ErrorFrame {
  readonly type: "error";
  readonly code: string;
  readonly message: string;
  readonly requestId: string | null;
  readonly details: JsonObject;
  /** `details.command_id`: the command whose execution frame was refused, if any. */
  readonly commandId: string | null;
}

/** The server stored a command's execution frames up to `seq` (0: only `exec_start`). */
export interface ExecAckFrame {
  readonly type: "exec_ack";
  readonly commandId: string;
  readonly seq: number;
  readonly recordingId: string;
  readonly captureInput: boolean;
}

export type ServerFrame =
  | HelloFrame
  | AcceptedFrame
  | DecisionFrame
  | ProgressFrame
  | PongFrame
  | ErrorFrame
  | ExecAckFrame;

/** Parse one frame from the server, or throw ExpactiProtocolError if it is invalid. */
export function parseServerFrame(data: string | Uint8Array): ServerFrame {
  if (typeof data !== "string") {
    throw new ExpactiProtocolError("the server sent a binary frame; protocol v1 is text only");
  }
  let obj: unknown;
  try {
    obj = parseStrictJson(data);
  } catch (error) {
    throw new ExpactiProtocolError(`the server sent invalid JSON: ${(error as Error).message}`);
  }
  if (!isObject(obj)) {
    throw new ExpactiProtocolError("the server sent a frame that is not a JSON object");
  }
  const kind = obj["type"];
  const requestId = obj["request_id"];
  const fields = new Fields(
    obj,
    typeof kind === "string" ? `${kind} frame` : "frame",
    typeof requestId === "string" ? requestId : null,
  );
  const parse = typeof kind === "string" && Object.hasOwn(PARSERS, kind) ? PARSERS[kind] : undefined;
  if (parse === undefined) throw fields.invalid(`unknown frame type ${JSON.stringify(kind)}`);
  return parse(fields);
}

/**
 * The public Decision for a decision frame, for the command that was submitted.
 *
 * `command` is the agent's own text; after an edit the Decision carries the edited text.
 */
export function toDecision(frame: DecisionFrame, command: string): Decision {
  let run = command;
  if (frame.edited) {
    if (frame.command === null || frame.command.trim() === "") {
      throw new ExpactiProtocolError("the server reported an edit without the edited command", {
        requestId: frame.requestId,
      });
    }
    run = frame.command;
  }
  return Object.freeze({
    approved: frame.approved,
    decision: frame.decision,
    commandId: frame.commandId,
    latencyMs: frame.latencyMs,
    reviewer: frame.reviewer,
    notes: frame.notes,
    whitelisted: frame.whitelisted,
    ruleId: frame.ruleId,
    riskScore: frame.riskScore,
    anomalies: frame.anomalies,
    requestId: frame.requestId,
    command: run,
    edited: frame.edited,
    approvers: frame.approvers,
    originalCommand: command,
  });
}

/** The public Progress for a progress frame. */
export function toProgress(frame: ProgressFrame): Progress {
  return Object.freeze({
    commandId: frame.commandId,
    approvals: frame.approvals,
    required: frame.required,
    approvers: frame.approvers,
    escalated: frame.escalated,
    expiresAt: frame.expiresAt,
  });
}

function hello(f: Fields): HelloFrame {
  const limits: Record<string, number> = {};
  for (const [key, value] of Object.entries(f.mapping("limits"))) {
    if (typeof value === "number" && Number.isInteger(value)) limits[key] = value;
  }
  return {
    type: "hello",
    protocol: f.text("protocol"),
    server: f.optText("server"),
    agent: f.mapping("agent"),
    org: f.mapping("org"),
    limits,
  };
}

function accepted(f: Fields): AcceptedFrame {
  return {
    type: "accepted",
    requestId: f.text("request_id"),
    commandId: f.text("command_id"),
    status: f.text("status"),
    expiresAt: f.timestamp("expires_at"),
    resumed: f.flag("resumed"),
  };
}

function decision(f: Fields): DecisionFrame {
  const approved = f.flag("approved");
  const state = f.text("decision");
  if (!DECISION_STATES.has(state)) throw f.invalid(`decision: unknown state ${JSON.stringify(state)}`);
  if (approved !== (state === "approved")) {
    // The gate fails closed: a contradictory frame is never an approval.
    throw f.invalid(`approved is ${approved} but decision is ${JSON.stringify(state)}`);
  }
  // Older servers send neither; an edit must name what to run, or nothing may run.
  const command = f.optText("command");
  const edited = f.flag("edited", false);
  if (edited && (command === null || command.trim() === "")) {
    throw f.invalid("edited is true but command is missing or blank");
  }
  return {
    type: "decision",
    requestId: f.text("request_id"),
    commandId: f.text("command_id"),
    approved,
    decision: state as DecisionState,
    latencyMs: f.number("latency_ms"),
    reviewer: f.optText("reviewer", true),
    notes: f.optText("notes", true),
    whitelisted: f.flag("whitelisted"),
    ruleId: f.optText("rule_id", true),
    riskScore: f.integer("risk_score", 0, 100),
    anomalies: f.textList("anomalies"),
    command,
    edited,
    approvers: f.textList("approvers", []),
  };
}

function progress(f: Fields): ProgressFrame {
  return {
    type: "progress",
    requestId: f.text("request_id"),
    commandId: f.text("command_id"),
    approvals: f.integer("approvals", 0, MAX_APPROVALS),
    required: f.integer("required", 1, MAX_APPROVALS),
    approvers: f.textList("approvers"),
    escalated: f.flag("escalated"),
    expiresAt: f.timestamp("expires_at"),
  };
}

function pong(f: Fields): PongFrame {
  return { type: "pong", nonce: f.optText("nonce") };
}

function error(f: Fields): ErrorFrame {
  const details = f.mapping("details");
  const commandId = details["command_id"];
  return {
    type: "error",
    code: f.text("code"),
    message: f.optText("message") ?? "",
    requestId: f.optText("request_id"),
    details,
    commandId: typeof commandId === "string" ? commandId : null,
  };
}

function execAck(f: Fields): ExecAckFrame {
  return {
    type: "exec_ack",
    commandId: f.text("command_id"),
    seq: f.integer("seq", 0, MAX_SEQ),
    recordingId: f.text("recording_id"),
    captureInput: f.flag("capture_input"),
  };
}

const PARSERS: Readonly<Record<string, (f: Fields) => ServerFrame>> = {
  hello,
  accepted,
  decision,
  progress,
  pong,
  error,
  exec_ack: execAck,
};

// -- client frames ---------------------------------------------------------------------

/** What the agent is working on, as a submit carries it (`docs/SESSIONS.md`). */
export interface SessionInfo {
  id: string;
  goal?: string | null;
  steps?: readonly string[] | null;
  current_step?: number | null;
}

/** The fields of a `submit` frame. */
export interface SubmitFields {
  requestId: string;
  command: string;
  target?: string | null;
  timeoutSeconds?: number | null;
  session?: SessionInfo | null;
  context?: JsonObject | null;
}

/** How a session ended, as `session_end` reports it. */
export type SessionStatus = "completed" | "failed";

/** One asciicast event of an `exec_output` frame: seconds since the start, code, data. */
export type ExecEvent = readonly [t: number, code: "o" | "r" | "i", data: string];

/**
 * A `submit` frame; optional fields that are null or undefined are left out.
 *
 * TypeError or RangeError for anything the server would refuse with `invalid_frame`,
 * `command_too_large` or `payload_too_large` (measured against `limits`).
 */
export function submitFrame(fields: SubmitFields, limits: Limits = DEFAULT_LIMITS): string {
  const { requestId, command, target, timeoutSeconds, session, context } = fields;
  if (typeof requestId !== "string" || !REQUEST_ID_PATTERN.test(requestId)) {
    throw new RangeError("request_id must be 1-128 characters of A-Z a-z 0-9 . _ : -");
  }
  checkCommand(command, limits);
  const frame: JsonObject = { type: "submit", request_id: requestId, command };
  if (target !== undefined && target !== null) {
    if (typeof target !== "string") throw new TypeError("target must be a string");
    if (target.length > MAX_TARGET_CHARS) {
      throw new RangeError(`target must be at most ${MAX_TARGET_CHARS} characters`);
    }
    frame["target"] = target;
  }
  if (timeoutSeconds !== undefined && timeoutSeconds !== null) {
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > MAX_TIMEOUT_SECONDS) {
      throw new RangeError(`timeout_seconds must be an integer from 1 to ${MAX_TIMEOUT_SECONDS}`);
    }
    frame["timeout_seconds"] = timeoutSeconds;
  }
  if (session !== undefined && session !== null) frame["session"] = checkSession(session);
  if (context !== undefined && context !== null) {
    if (!isObject(context)) throw new TypeError("context must be a plain object");
    frame["context"] = context;
  }
  if (frame["session"] !== undefined || frame["context"] !== undefined) {
    const size = asciiJsonBytes([frame["session"] ?? null, frame["context"] ?? null]);
    if (size > limits.maxMetadataBytes) {
      throw new RangeError(
        `session and context take ${size} bytes of JSON; the server accepts ${limits.maxMetadataBytes}`,
      );
    }
  }
  return dumps(frame);
}

/** A `cancel` frame naming the command by its `request_id`. */
export function cancelFrame(requestId: string, reason?: string): string {
  if (typeof requestId !== "string" || requestId === "") {
    throw new TypeError("cancel needs a request_id");
  }
  const frame: JsonObject = { type: "cancel", request_id: requestId };
  if (reason !== undefined) frame["reason"] = reason;
  return dumps(frame);
}

/** A `session_end` frame: the agent is done with the session it chose `sessionId` for. */
export function sessionEndFrame(sessionId: string, status: SessionStatus): string {
  if (typeof sessionId !== "string" || sessionId === "" || sessionId.length > MAX_SESSION_ID_CHARS) {
    throw new RangeError(`session_id must be 1-${MAX_SESSION_ID_CHARS} characters`);
  }
  if (status !== "completed" && status !== "failed") {
    throw new RangeError('status must be "completed" or "failed"');
  }
  return dumps({ type: "session_end", session_id: sessionId, status });
}

/** An `exec_start` frame: the approved command starts in a `cols` x `rows` terminal. */
export function execStartFrame(commandId: string, cols: number, rows: number): string {
  checkCommandId(commandId);
  checkSize(cols, rows);
  return dumps({ type: "exec_start", command_id: commandId, cols, rows });
}

/** An `exec_output` frame: 1-1000 events, after `droppedBytes` of lost output. */
export function execOutputFrame(
  commandId: string,
  seq: number,
  events: readonly ExecEvent[],
  droppedBytes = 0,
): string {
  checkCommandId(commandId);
  checkSeq(seq);
  if (!Array.isArray(events) || events.length < 1 || events.length > 1000) {
    throw new RangeError("exec_output takes 1-1000 events");
  }
  for (const event of events) {
    const [t, code, data] = event;
    if (event.length !== 3 || typeof t !== "number" || !Number.isFinite(t) || t < 0) {
      throw new RangeError("an event is [t >= 0, code, data]");
    }
    if (!EVENT_CODES.has(code) || typeof data !== "string") {
      throw new RangeError('an event\'s code is "o", "r" or "i" and its data a string');
    }
  }
  if (!Number.isInteger(droppedBytes) || droppedBytes < 0) {
    throw new RangeError("dropped_bytes must be an integer >= 0");
  }
  return dumps({
    type: "exec_output",
    command_id: commandId,
    seq,
    events: events.map((event) => [...event]),
    dropped_bytes: droppedBytes,
  });
}

/** An `exec_end` frame: the command exited with `exitCode` after `duration` seconds. */
export function execEndFrame(commandId: string, seq: number, exitCode: number, duration: number): string {
  checkCommandId(commandId);
  checkSeq(seq);
  if (!Number.isInteger(exitCode)) throw new RangeError("exit_code must be an integer");
  if (!Number.isFinite(duration) || duration < 0) throw new RangeError("duration must be >= 0");
  return dumps({ type: "exec_end", command_id: commandId, seq, exit_code: exitCode, duration });
}

/** An application-level `ping` frame. */
export function pingFrame(nonce?: string): string {
  return dumps(nonce === undefined ? { type: "ping" } : { type: "ping", nonce });
}

function dumps(frame: JsonObject): string {
  return JSON.stringify(frame);
}

/** Throw RangeError unless `timeout` is undefined or seconds, more than 0 and at most 600. */
export function checkTimeout(timeout: unknown): asserts timeout is number | undefined {
  if (timeout === undefined) return;
  if (!(typeof timeout === "number" && Number.isFinite(timeout) && timeout > 0 && timeout <= MAX_TIMEOUT_SECONDS)) {
    throw new RangeError(`timeout must be seconds, more than 0 and at most ${MAX_TIMEOUT_SECONDS}`);
  }
}

/** Throw unless `command` is what a submit may carry: not blank, no NUL, small enough. */
export function checkCommand(command: unknown, limits: Limits = DEFAULT_LIMITS): asserts command is string {
  if (typeof command !== "string") throw new TypeError("command must be a string");
  const size = Buffer.byteLength(command, "utf8");
  if (size > limits.maxCommandBytes) {
    throw new RangeError(`command is ${size} bytes; the server accepts ${limits.maxCommandBytes}`);
  }
  if (command.trim() === "") throw new RangeError("command must not be blank");
  if (command.includes("\u0000")) throw new RangeError("command must not contain NUL characters");
}

function checkSession(session: SessionInfo): JsonObject {
  if (!isObject(session)) throw new TypeError("session must be a plain object");
  const { id, goal, steps, current_step: current } = session;
  if (typeof id !== "string" || id === "" || id.length > MAX_SESSION_ID_CHARS) {
    throw new RangeError(`session.id must be a string of 1-${MAX_SESSION_ID_CHARS} characters`);
  }
  if (goal !== undefined && goal !== null && typeof goal !== "string") {
    throw new TypeError("session.goal must be a string");
  }
  if (steps !== undefined && steps !== null) {
    if (!Array.isArray(steps) || !steps.every((step) => typeof step === "string")) {
      throw new TypeError("session.steps must be an array of strings");
    }
  }
  if (current !== undefined && current !== null && !Number.isInteger(current)) {
    throw new TypeError("session.current_step must be an integer");
  }
  return session as unknown as JsonObject;
}

function checkCommandId(commandId: string): void {
  if (typeof commandId !== "string" || commandId === "") throw new TypeError("command_id must be a string");
}

function checkSeq(seq: number): void {
  if (!Number.isInteger(seq) || seq < 1 || seq > MAX_SEQ) throw new RangeError("seq must be an integer >= 1");
}

/** Throw unless `cols` and `rows` are integers from 1 to 1000 (the protocol's limit). */
export function checkSize(cols: number, rows: number): void {
  for (const [name, value] of [
    ["cols", cols],
    ["rows", rows],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_SIDE) {
      throw new RangeError(`${name} must be an integer from 1 to ${MAX_SIDE}, not ${String(value)}`);
    }
  }
}

/**
 * The size of `value` as the server measures it: compact JSON with every non-ASCII
 * character escaped (`\uXXXX`, six bytes).
 */
function asciiJsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  let size = 0;
  for (let i = 0; i < text.length; i++) size += text.charCodeAt(i) > 0x7f ? 6 : 1;
  return size;
}
