/**
 * The client's own bounds on a wait, against the real server: an `unavailable` error is
 * retried with the same request, and a decision that never reaches the client ends at
 * the client's deadline, with a cancel.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CommandTimeoutError, ExpactiClient } from "../src/index.js";
import { Proxy } from "./support/proxy.js";
import {
  approve,
  findCommands,
  getCommand,
  pendingId,
  rejection,
  serverInfo,
  uniqueCommand,
  until,
  waitForStatus,
} from "./support/server.js";

const info = serverInfo();
let proxy: Proxy;
let client: ExpactiClient;

beforeAll(async () => {
  proxy = await Proxy.start(info.port);
  client = new ExpactiClient({ url: proxy.wsUrl, token: info.agentToken, maxBackoff: 0.2 });
});

afterAll(async () => {
  await client.close();
  await proxy.close();
});

const submitsOf = (requestId: unknown): number =>
  proxy.sent.filter((frame) => frame["type"] === "submit" && frame["request_id"] === requestId).length;

describe("an `unavailable` error", () => {
  it("is retried with the same request: one command, one decision", async () => {
    const command = uniqueCommand("make retry");
    const waiting = client.run(command, { timeout: 120 });
    const commandId = await pendingId(command);
    const { request_id: requestId } = await getCommand(commandId);
    expect(submitsOf(requestId)).toBe(1);
    // As the server words it when it cannot store the command for now.
    proxy.inject(
      JSON.stringify({
        type: "error",
        code: "unavailable",
        message: "the database is busy, retry",
        request_id: requestId,
        details: {},
      }),
    );
    await until(() => submitsOf(requestId) === 2);
    await approve(commandId, { note: "after the retry" });
    const decision = await waiting;
    expect([decision.approved, decision.commandId, decision.notes]).toEqual([true, commandId, "after the retry"]);
    expect((await findCommands(command)).map((found) => found.id)).toEqual([commandId]);
  });
});

describe("the client's deadline", () => {
  it("ends a wait whose decision never arrives: CommandTimeoutError, and a cancel", async () => {
    const command = uniqueCommand("make stalled");
    const failing = rejection(client.run(command, { timeout: 1 }));
    const commandId = await pendingId(command);
    const { request_id: requestId } = await getCommand(commandId);
    proxy.hold(true); // the connection stays up; nothing the server sends gets through
    try {
      await waitForStatus(commandId, "timed_out"); // the server decided, the client cannot know
      const error = await failing;
      expect(error).toBeInstanceOf(CommandTimeoutError);
      expect((error as CommandTimeoutError).decision).toBeUndefined();
      const cancel = await proxy.sentFrame(
        (frame) => frame["type"] === "cancel" && frame["request_id"] === requestId,
      );
      expect(cancel["reason"]).toBe("agent deadline passed");
    } finally {
      proxy.hold(false);
    }
  });
});
