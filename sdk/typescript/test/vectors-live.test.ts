/**
 * The client vectors the SDK builds, sent to the real server in file order on one raw
 * connection of a fresh organisation (no whitelist rules): the server answers each as the
 * vector says. Together with frames.test.ts this pins that what the SDK sends is what the
 * protocol means.
 */

import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { pingFrame } from "../src/frames.js";
import { serverInfo, ServerProcess, type ServerInfo } from "./support/server.js";
import { build, CLIENT_CASES, expanded, outOfReach, STATEFUL, type Case } from "./support/vectors.js";

/** A raw agent connection: frames in arrival order. */
class RawAgent {
  readonly #inbox: Array<Record<string, any>> = [];
  #waiting: (() => void) | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.#inbox.push(JSON.parse(String(data)));
      this.#waiting?.();
    });
  }

  static async connect(info: ServerInfo): Promise<RawAgent> {
    const ws = new WebSocket(info.wsUrl, { headers: { Authorization: `Bearer ${info.agentToken}` } });
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    return new RawAgent(ws);
  }

  async next(): Promise<Record<string, any>> {
    while (this.#inbox.length === 0) {
      await new Promise<void>((resolve) => (this.#waiting = resolve));
    }
    return this.#inbox.shift()!;
  }
}

/** The vectors the SDK can build and the server answers whatever the SDK's own checks say. */
function sendable(vector: Case): boolean {
  if (outOfReach(vector) !== null) return false;
  const error = vector.expect["error"] as string | undefined;
  return error === undefined || STATEFUL.has(error);
}

let agent: RawAgent;

beforeAll(async () => {
  const org = await ServerProcess.attach(serverInfo()).newOrg();
  agent = await RawAgent.connect(org);
  expect((await agent.next())["type"]).toBe("hello");
});

afterAll(() => {
  agent.ws.close();
});

describe("the SDK's frames against the real server", () => {
  const cases = CLIENT_CASES.filter(sendable);

  it("cover every kind of frame the SDK sends", () => {
    const types = new Set(cases.map((c) => c.frame!["type"]));
    expect([...types].sort()).toEqual(
      ["cancel", "exec_end", "exec_output", "exec_start", "ping", "session_end", "submit"].sort(),
    );
  });

  // In file order: later cases rely on earlier ones (a reused request_id, a cancel).
  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, vector) => {
    agent.ws.send(build(expanded(vector)));
    const expectation = vector.expect;
    if ("error" in expectation) {
      const reply = await agent.next();
      expect([reply["type"], reply["code"]]).toEqual(["error", expectation["error"]]);
      if (vector.frame!["request_id"] !== undefined && vector.frame!["type"] !== "exec_start") {
        expect(reply["request_id"]).toBe(vector.frame!["request_id"]);
      }
      return;
    }
    if (expectation["reply"] === null) {
      agent.ws.send(pingFrame("after-" + vector.name));
      expect(await agent.next()).toEqual({ type: "pong", nonce: "after-" + vector.name });
      return;
    }
    expect((await agent.next())["type"]).toBe(expectation["reply"]);
  });
});
