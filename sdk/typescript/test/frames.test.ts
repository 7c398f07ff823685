/**
 * The wire format: every conformance vector of protocol/vectors replayed, read at test time.
 *
 * Server frames: the parser accepts the valid ones (to the right type, `approved` intact)
 * and rejects the invalid ones with ExpactiProtocolError. Client frames: the builders make
 * exactly the vector's frame for every case the server accepts, and refuse (TypeError or
 * RangeError, before sending) every case the server refuses for a reason a client can see.
 */

import { describe, expect, it } from "vitest";

import { ExpactiProtocolError } from "../src/errors.js";
import {
  cancelFrame,
  parseServerFrame,
  pingFrame,
  submitFrame,
  toDecision,
  toProgress,
  type DecisionFrame,
} from "../src/frames.js";
import { build, CLIENT_CASES, expanded, known, outOfReach, SERVER_CASES, STATEFUL } from "./support/vectors.js";

function serverCase(name: string): Record<string, any> {
  const found = SERVER_CASES.find((c) => c.name === name);
  if (found?.frame === undefined) throw new Error(`no server vector ${name}`);
  return found.frame;
}

function parseDecision(name: string): DecisionFrame {
  const frame = parseServerFrame(JSON.stringify(serverCase(name)));
  if (frame.type !== "decision") throw new Error("not a decision");
  return frame;
}

function invalid(text: string | Uint8Array): ExpactiProtocolError {
  try {
    parseServerFrame(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ExpactiProtocolError);
    return error as ExpactiProtocolError;
  }
  throw new Error(`accepted ${String(text)}`);
}

describe("server frame vectors", () => {
  it("are there, valid and invalid ones", () => {
    expect(SERVER_CASES.length).toBeGreaterThanOrEqual(19);
    expect(SERVER_CASES.some((c) => !c.expect["valid"])).toBe(true);
  });

  it.each(SERVER_CASES.map((c) => [c.name, c] as const))("%s", (_name, vector) => {
    const text = JSON.stringify(vector.frame);
    if (!vector.expect["valid"]) {
      expect(invalid(text).code).toBeNull(); // an invalid frame, not an error frame
      return;
    }
    const frame = parseServerFrame(text);
    expect(frame.type).toBe(vector.frame!["type"]);
    if ("approved" in vector.expect) {
      if (frame.type !== "decision") throw new Error("not a decision");
      expect(frame.approved).toBe(vector.expect["approved"]);
      expect(frame.decision).toBe(vector.frame!["decision"]);
    }
  });
});

describe("decisions and progress", () => {
  it("reach the public Decision unchanged, in camelCase", () => {
    const wire = serverCase("decision-denied");
    const decision = toDecision(parseDecision("decision-denied"), "rm -rf /tmp/x");
    expect(decision).toEqual({
      approved: wire["approved"],
      decision: wire["decision"],
      commandId: wire["command_id"],
      latencyMs: wire["latency_ms"],
      reviewer: wire["reviewer"],
      notes: wire["notes"],
      whitelisted: wire["whitelisted"],
      ruleId: wire["rule_id"],
      riskScore: wire["risk_score"],
      anomalies: wire["anomalies"],
      requestId: wire["request_id"],
      command: "rm -rf /tmp/x",
      edited: false,
      approvers: [],
      originalCommand: "rm -rf /tmp/x",
    });
    expect(Object.isFrozen(decision)).toBe(true);
  });

  it("carry a reviewer's edit as the command, keeping the original", () => {
    const decision = toDecision(parseDecision("decision-edited"), "terraform apply");
    expect([decision.command, decision.originalCommand, decision.edited, decision.approvers]).toEqual([
      "terraform apply -target=module.web",
      "terraform apply",
      true,
      ["alice"],
    ]);
  });

  it("keep the agent's own text without an edit (the server's copy may be a label)", () => {
    const decision = toDecision(parseDecision("decision-multi-party"), "psql -c 'select 1'");
    expect([decision.command, decision.approvers]).toEqual(["psql -c 'select 1'", ["alice", "bob"]]);
  });

  it("never turn an edit without its text into a decision", () => {
    const frame = { ...parseDecision("decision-edited"), command: null };
    expect(() => toDecision(frame, "terraform apply")).toThrow(/without the edited command/);
  });

  it("give progress its fields, expires_at as a Date", () => {
    const frame = parseServerFrame(JSON.stringify(serverCase("progress")));
    if (frame.type !== "progress") throw new Error("not progress");
    expect(frame.requestId).toBe("r-25");
    expect(toProgress(frame)).toEqual({
      commandId: "cmd_25",
      approvals: 1,
      required: 2,
      approvers: ["alice"],
      escalated: false,
      expiresAt: new Date("2026-11-21T10:06:00Z"),
    });
  });

  it("keep an invalid frame's request_id, to fail the right call", () => {
    expect(invalid(JSON.stringify(serverCase("decision-approved-but-decision-denied"))).requestId).toBe("r-8");
  });

  it("read an exec_ack and an error naming its command", () => {
    expect(parseServerFrame(JSON.stringify(serverCase("exec-ack-after-start")))).toEqual({
      type: "exec_ack",
      commandId: "cmd_1",
      seq: 0,
      recordingId: "rec_1",
      captureInput: true,
    });
    const error = parseServerFrame('{"type":"error","code":"not_approved","message":"m","details":{"command_id":"cmd_1"}}');
    expect(error).toMatchObject({ type: "error", code: "not_approved", commandId: "cmd_1", requestId: null });
  });
});

describe("fails closed on", () => {
  const approvedFrame = serverCase("decision-approved-by-reviewer");
  const decision = (changes: Record<string, unknown>): string => JSON.stringify({ ...approvedFrame, ...changes });
  const { reviewer: _dropped, ...withoutReviewer } = approvedFrame;
  const cases: Array<[string, string | Uint8Array]> = [
    ["a binary frame", new TextEncoder().encode('{"type": "pong"}')],
    ["not JSON", "{"],
    ["not an object", "[1]"],
    ["a duplicate key", '{"type":"decision","approved":false,"approved":true}'],
    ["a duplicate key deeper down", '{"type":"pong","x":{"a":1,"a":2}}'],
    ["NaN", decision({}).replace("4211.5", "NaN")],
    ["approved false but decision approved", decision({ approved: false })],
    ["a boolean risk score", decision({ risk_score: true })],
    ["a risk score out of range", decision({ risk_score: 101 })],
    ["anomalies that are not strings", decision({ anomalies: [1] })],
    ["a reviewer that is not a string", decision({ reviewer: 7 })],
    ["a null request_id", decision({ request_id: null })],
    ["a missing reviewer", JSON.stringify(withoutReviewer)],
    [
      "expires_at without a zone",
      '{"type":"accepted","request_id":"r","command_id":"c","status":"pending","expires_at":"2026-11-21T10:01:00","resumed":false}',
    ],
    [
      "expires_at that is no timestamp",
      '{"type":"accepted","request_id":"r","command_id":"c","status":"pending","expires_at":"soon","resumed":false}',
    ],
    ["a hello without protocol", '{"type":"hello"}'],
    ["an inherited type name", '{"type":"constructor"}'],
  ];

  it.each(cases)("%s", (_name, text) => {
    invalid(text);
  });

  it.each([
    ["[", "]"],
    ['{"x": ', "}"],
  ])("JSON nested too deeply (%s), without trusting its request_id", (opening, closing) => {
    const nested = opening.repeat(5000) + "1" + closing.repeat(5000);
    const error = invalid(`{"type": "decision", "request_id": "r-1", "x": ${nested}}`);
    expect(error.message).toMatch(/nested/);
    expect(error.requestId).toBeNull();
  });

  it("keys with escaped quotes are told apart", () => {
    expect(parseServerFrame('{"type":"pong","a\\"b":1,"a":2,"nonce":"n"}')).toEqual({ type: "pong", nonce: "n" });
  });
});

describe("client frame vectors", () => {
  it("are all accounted for", () => {
    const reasons = CLIENT_CASES.map(outOfReach);
    expect(reasons.filter((r) => r === null).length).toBeGreaterThan(40);
    expect(CLIENT_CASES.filter((c) => outOfReach(c) === "end-to-end encrypted").map((c) => c.name)).toEqual(
      CLIENT_CASES.filter((c) => c.frame?.["encrypted"] !== undefined).map((c) => c.name),
    );
  });

  const reachable = CLIENT_CASES.filter((c) => outOfReach(c) === null);
  it.each(reachable.map((c) => [c.name, c] as const))("%s", (_name, vector) => {
    const frame = expanded(vector);
    const error = vector.expect["error"] as string | undefined;
    if (error === undefined || STATEFUL.has(error)) {
      expect(JSON.parse(build(frame))).toEqual(known(frame));
      return;
    }
    // invalid_frame, command_too_large, payload_too_large: refused before sending.
    let thrown: unknown = null;
    try {
      build(frame);
    } catch (e) {
      thrown = e;
    }
    expect(thrown, `${vector.name} must not be built`).not.toBeNull();
    expect(thrown instanceof TypeError || thrown instanceof RangeError).toBe(true);
    if (error === "command_too_large") expect((thrown as Error).message).toMatch(/command is \d+ bytes/);
    if (error === "payload_too_large") expect((thrown as Error).message).toMatch(/session and context/);
  });

  it("builds compact JSON without the optional fields it was not given", () => {
    expect(submitFrame({ requestId: "r-1", command: "ls -la" })).toBe(
      '{"type":"submit","request_id":"r-1","command":"ls -la"}',
    );
    expect(cancelFrame("r")).toBe('{"type":"cancel","request_id":"r"}');
    expect(pingFrame()).toBe('{"type":"ping"}');
  });
});
