/** The conformance vectors of protocol/vectors, read at test time, and how to build them. */

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import {
  cancelFrame,
  execEndFrame,
  execOutputFrame,
  execStartFrame,
  pingFrame,
  sessionEndFrame,
  submitFrame,
  type ExecEvent,
} from "../../src/frames.js";

export interface Case {
  name: string;
  frame?: Record<string, any>;
  raw?: string;
  expand?: Record<string, { repeat: string; count: number; as?: string }>;
  expect: Record<string, any>;
}

export const VECTORS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..", "protocol", "vectors");
const load = (name: string): Case[] => JSON.parse(readFileSync(join(VECTORS, name), "utf8")).cases;
export const SERVER_CASES = load("server_frames.json");
export const CLIENT_CASES = load("client_frames.json");


/** The case's frame with `expand` applied (long strings written out). */
export function expanded(vector: Case): Record<string, any> {
  const frame: Record<string, any> = { ...vector.frame };
  for (const [key, spec] of Object.entries(vector.expand ?? {})) {
    const text = spec.repeat.repeat(spec.count);
    frame[key] = spec.as === "object_value" ? { value: text } : text;
  }
  return frame;
}

/** Build the vector's frame with the SDK's builder for its type. */
export function build(frame: Record<string, any>): string {
  switch (frame["type"]) {
    case "submit":
      return submitFrame({
        requestId: frame["request_id"],
        command: frame["command"],
        target: frame["target"],
        timeoutSeconds: frame["timeout_seconds"],
        session: frame["session"],
        context: frame["context"],
      });
    case "cancel":
      return cancelFrame(frame["request_id"], frame["reason"]);
    case "ping":
      return pingFrame(frame["nonce"]);
    case "session_end":
      return sessionEndFrame(frame["session_id"], frame["status"]);
    case "exec_start":
      return execStartFrame(frame["command_id"], frame["cols"], frame["rows"]);
    case "exec_output":
      return execOutputFrame(frame["command_id"], frame["seq"], frame["events"] as ExecEvent[], frame["dropped_bytes"]);
    case "exec_end":
      return execEndFrame(frame["command_id"], frame["seq"], frame["exit_code"], frame["duration"]);
    default:
      throw new Error(`the SDK never sends a ${String(frame["type"])} frame`);
  }
}

/** The frame as the SDK sends it: unknown fields and nulls left out, dropped_bytes in. */
export function known(frame: Record<string, any>): Record<string, any> {
  const fields = new Set([
    "type",
    "request_id",
    "command",
    "target",
    "timeout_seconds",
    "session",
    "context",
    "reason",
    "nonce",
    "session_id",
    "status",
    "command_id",
    "cols",
    "rows",
    "seq",
    "events",
    "dropped_bytes",
    "exit_code",
    "duration",
  ]);
  const sent = Object.fromEntries(Object.entries(frame).filter(([key, value]) => fields.has(key) && value !== null));
  // dropped_bytes is optional on the wire; the SDK always says how much it dropped.
  return sent["type"] === "exec_output" ? { dropped_bytes: 0, ...sent } : sent;
}

/**
 * Cases a client cannot build by design: raw text, a type the SDK never sends, and
 * end-to-end encrypted submits (this SDK does not encrypt).
 */
export function outOfReach(vector: Case): string | null {
  if (vector.raw !== undefined) return "raw text";
  const type = vector.frame?.["type"];
  const builders = ["submit", "cancel", "ping", "session_end", "exec_start", "exec_output", "exec_end"];
  if (typeof type !== "string" || !builders.includes(type)) return "a type the SDK never sends";
  if (vector.frame?.["encrypted"] !== undefined) return "end-to-end encrypted";
  return null;
}

/** Server errors that depend on the server's state, not on the frame: the frame is fine. */
export const STATEFUL = new Set(["not_found", "request_id_conflict"]);

