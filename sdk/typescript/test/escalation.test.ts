/**
 * An escalation lengthens the client's wait, against the real server: in an organisation
 * whose policy escalates at its timeout (30 s, the least it allows), a run without its own
 * `timeout` outlives its first deadline (30 s + grace) and ends with the server's own
 * timeout after the extension, not with a cancel of its own. The suite's longest test
 * (about 60 s), in its own file so that it runs beside the others.
 */

import { beforeAll, describe, expect, it } from "vitest";

import { CommandTimeoutError, ExpactiClient, type Progress } from "../src/index.js";
import {
  getCommand,
  pendingId,
  rejection,
  reviewer,
  serverInfo,
  ServerProcess,
  uniqueCommand,
  type ServerInfo,
} from "./support/server.js";

let org: ServerInfo;

beforeAll(async () => {
  org = await ServerProcess.attach(serverInfo()).newOrg();
  await reviewer("PATCH", "/api/v1/org", { timeout_seconds: 30, timeout_action: "escalate" }, org);
});

describe("an escalated command", () => {
  it("is waited for until the server's extended deadline", { timeout: 120_000 }, async () => {
    const client = new ExpactiClient({ url: org.wsUrl, token: org.agentToken });
    try {
      const progress: Progress[] = [];
      const command = uniqueCommand("make escalate");
      const failing = rejection(client.run(command, { onProgress: (update) => progress.push(update) }));
      const commandId = await pendingId(command, org);
      const error = (await failing) as CommandTimeoutError;
      // The server's timed_out decision: the client did not give up at 35 s.
      expect(error).toBeInstanceOf(CommandTimeoutError);
      expect(error.decision).toMatchObject({ decision: "timed_out", commandId });
      expect(progress.map((update) => update.escalated)).toEqual([true]);
      const view = await getCommand(commandId, org);
      expect(view.status).toBe("timed_out");
      expect(view.escalated_at).toBeTruthy();
    } finally {
      await client.close();
    }
  });
});
