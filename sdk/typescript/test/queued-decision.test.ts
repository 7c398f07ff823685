/**
 * A give-up wins over a decision that arrived but was not yet taken: once the caller's
 * signal aborted, or `close()` was called, `run()` never resolves with that approval.
 *
 * The fake server sends `accepted`, `progress` and the approving `decision` in one TCP
 * segment, so the decision is queued before the waiting run() takes the progress; the
 * run's `onProgress` gives up then, between the two.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CommandAbortedError, ExpactiClient, ExpactiConnectionError, type Progress } from "../src/index.js";
import { FakeServer, type Reply } from "./support/fake-server.js";
import { rejection } from "./support/server.js";

/** A partial approval, then the approval, right behind the `accepted`. */
const approveRightAway: Reply = (submit, commandId) => {
  const ids = { request_id: submit["request_id"], command_id: commandId };
  return [
    {
      type: "progress",
      ...ids,
      approvals: 1,
      required: 2,
      approvers: ["alice"],
      escalated: false,
      expires_at: new Date(Date.now() + 600_000).toISOString(),
    },
    {
      type: "decision",
      ...ids,
      approved: true,
      decision: "approved",
      latency_ms: 12,
      reviewer: "bob",
      notes: null,
      whitelisted: false,
      rule_id: null,
      risk_score: 10,
      anomalies: [],
      command: submit["command"],
      edited: false,
      approvers: ["alice", "bob"],
    },
  ];
};

describe("a decision queued behind the progress that gives up", () => {
  let fake: FakeServer;

  beforeAll(async () => {
    fake = await FakeServer.start({}, approveRightAway);
  });

  afterAll(async () => {
    await fake.close();
  });

  /** The `cancel` the server received for the submit of `command`. */
  async function cancelOf(command: string): Promise<Record<string, unknown>> {
    const submit = await fake.frame((frame) => frame["type"] === "submit" && frame["command"] === command);
    return fake.frame((frame) => frame["type"] === "cancel" && frame["request_id"] === submit["request_id"]);
  }

  it("is the approval when nobody gives up", async () => {
    const client = new ExpactiClient({ url: fake.wsUrl, token: "t" });
    try {
      const seen: Progress[] = [];
      const decision = await client.run("echo kept", { onProgress: (progress) => seen.push(progress) });
      expect(decision.approved).toBe(true);
      expect(decision.approvers).toEqual(["alice", "bob"]);
      expect(seen.map((progress) => progress.approvals)).toEqual([1]);
    } finally {
      await client.close();
    }
  });

  it("is not returned once the signal aborted: CommandAbortedError, and cancel", async () => {
    const client = new ExpactiClient({ url: fake.wsUrl, token: "t" });
    try {
      const controller = new AbortController();
      const error = await rejection(
        client.run("rm -rf /cache", {
          signal: controller.signal,
          onProgress: () => controller.abort(new Error("the user pressed stop")),
        }),
      );
      expect(error).toBeInstanceOf(CommandAbortedError);
      expect((error as CommandAbortedError).reason).toEqual(new Error("the user pressed stop"));
      expect((await cancelOf("rm -rf /cache"))["reason"]).toBe("the agent aborted the wait");
    } finally {
      await client.close();
    }
  });

  it("is not returned once the client was closed: ExpactiConnectionError, and cancel", async () => {
    const client = new ExpactiClient({ url: fake.wsUrl, token: "t" });
    let closing: Promise<void> | undefined;
    try {
      const error = await rejection(
        client.run("kubectl delete ns prod", {
          onProgress: () => {
            closing = client.close();
          },
        }),
      );
      expect(error).toBeInstanceOf(ExpactiConnectionError);
      expect((error as Error).message).toBe("client closed");
      expect(closing).toBeDefined();
      await closing;
      expect((await cancelOf("kubectl delete ns prod"))["reason"]).toBe("the agent closed its client");
    } finally {
      await client.close();
    }
  });

  it("is not run by execute() either (which checks the signal itself too)", async () => {
    const client = new ExpactiClient({ url: fake.wsUrl, token: "t" });
    try {
      const controller = new AbortController();
      const error = await rejection(
        client.execute("echo ran", {
          signal: controller.signal,
          onProgress: () => controller.abort(),
        }),
      );
      expect(error).toBeInstanceOf(CommandAbortedError);
      expect((error as CommandAbortedError).ran).toBe(false);
      expect(fake.frames.some((frame) => frame["type"] === "exec_start")).toBe(false);
    } finally {
      await client.close();
    }
  });
});
