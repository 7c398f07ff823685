/**
 * Output frames stay within the server's frame limit, which counts bytes: text that is
 * mostly multi-byte characters (UTF-8) is recorded whole on a server with a small limit.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ExpactiClient } from "../src/index.js";
import { approveWhenPending, ServerProcess, uniqueCommand, type ServerInfo } from "./support/server.js";

let server: ServerProcess;
let org: ServerInfo;

beforeAll(async () => {
  server = await ServerProcess.start({ EXPACTI_MAX_FRAME_BYTES: "4096" }); // the least it takes
  org = await server.newOrg();
});

afterAll(async () => {
  await server.stop();
});

describe("output of multi-byte characters", () => {
  it("reaches the recording whole under a 4 KiB frame limit", async () => {
    const client = new ExpactiClient({ url: server.wsUrl, token: org.agentToken, outputAckTimeout: 30 });
    try {
      // 3000 check marks: 9000 bytes, 3000 UTF-16 code units.
      const command = uniqueCommand("yes '✓' | head -n 3000 | tr -d '\\n'");
      const running = client.execute(command);
      await approveWhenPending(command, {}, org);
      const result = await running;
      expect(result.output).toBe("✓".repeat(3000));
      expect(result.recorded).toBe(true);
      const response = await fetch(`${org.httpUrl}/api/v1/recordings/${result.recordingId}/cast`, {
        headers: { Authorization: `Bearer ${org.reviewerToken}` },
      });
      const events = (await response.text())
        .split("\n")
        .filter((line) => line !== "")
        .slice(1)
        .map((line) => JSON.parse(line) as [number, string, string]);
      expect(events.filter(([, code]) => code === "o").map(([, , data]) => data).join("")).toBe("✓".repeat(3000));
    } finally {
      await client.close();
    }
  });
});
