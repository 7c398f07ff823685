/**
 * Reconnect and resume against the real server: a connection cut mid-wait, a server killed
 * and restarted, a decision made while the agent was away, a token revoked. The decision
 * always arrives, once, for the one command the server knows.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ExpactiAuthenticationError, ExpactiClient, ExpactiConnectionError } from "../src/index.js";
import { Proxy } from "./support/proxy.js";
import {
  approve,
  findCommands,
  pendingId,
  rejection,
  serverInfo,
  ServerProcess,
  uniqueCommand,
  until,
} from "./support/server.js";

const info = serverInfo();
let proxy: Proxy;

beforeAll(async () => {
  proxy = await Proxy.start(Number(new URL(info.httpUrl).port));
});

afterAll(async () => {
  await proxy.close();
});

describe("a connection cut while waiting", () => {
  it("is resumed: the decision arrives once, for the one command", async () => {
    const client = new ExpactiClient({ url: proxy.wsUrl, token: info.agentToken, maxBackoff: 0.2 });
    try {
      const command = uniqueCommand("terraform apply");
      let settled = 0;
      const waiting = client.run(command, { timeout: 120 }).finally(() => (settled += 1));
      const commandId = await pendingId(command);
      const before = proxy.connections;
      proxy.drop();
      await until(() => proxy.connections > before && proxy.open === 1); // back, and resumed
      await approve(commandId, { note: "after the cut" });
      const decision = await waiting;
      expect([decision.approved, decision.commandId, decision.notes]).toEqual([true, commandId, "after the cut"]);
      expect(settled).toBe(1);
      const known = await findCommands(command);
      expect(known.map((c) => [c.id, c.status])).toEqual([[commandId, "approved"]]);
    } finally {
      await client.close();
    }
  });

  it("learns a decision made while it was away as soon as it is back", async () => {
    const client = new ExpactiClient({ url: proxy.wsUrl, token: info.agentToken, maxBackoff: 0.2 });
    try {
      const command = uniqueCommand("make release");
      const waiting = client.run(command, { timeout: 120 });
      const commandId = await pendingId(command);
      proxy.refuse(true);
      proxy.drop();
      await approve(commandId, { note: "decided while away" });
      const reconnecting = proxy.connections;
      proxy.refuse(false);
      const decision = await waiting;
      expect(proxy.connections).toBeGreaterThan(reconnecting);
      expect([decision.approved, decision.commandId, decision.notes]).toEqual([
        true,
        commandId,
        "decided while away",
      ]);
      expect(await findCommands(command)).toHaveLength(1);
    } finally {
      proxy.refuse(false);
      await client.close();
    }
  });

  it("gives up with ExpactiConnectionError when it cannot come back before the deadline", async () => {
    const client = new ExpactiClient({
      url: proxy.wsUrl,
      token: info.agentToken,
      maxBackoff: 0.2,
      reconnectTimeout: 1,
    });
    try {
      const command = uniqueCommand("make flaky");
      const failing = rejection(client.run(command, { timeout: 120 }));
      await pendingId(command);
      proxy.refuse(true);
      proxy.drop();
      const error = await failing;
      expect(error).toBeInstanceOf(ExpactiConnectionError);
      expect((error as Error).message).toMatch(/could not connect/);
    } finally {
      proxy.refuse(false);
      await client.close();
    }
  });
});

describe("a server killed and restarted", () => {
  let server: ServerProcess;
  let org: Awaited<ReturnType<ServerProcess["newOrg"]>>;

  beforeAll(async () => {
    server = await ServerProcess.start();
    org = await server.newOrg();
  });

  afterAll(async () => {
    await server.stop();
  });

  it("resumes the wait on the restarted server; the decision arrives once", async () => {
    const client = new ExpactiClient({ url: server.wsUrl, token: org.agentToken, maxBackoff: 0.5 });
    try {
      const command = uniqueCommand("terraform apply");
      let settled = 0;
      const waiting = client.run(command, { timeout: 120 }).finally(() => (settled += 1));
      const commandId = await pendingId(command, org);
      await server.kill("SIGKILL");
      await server.restart();
      // The restarted server keeps the command pending for the resume window; the client
      // comes back within it (with backoff) and re-sends its request_id.
      await approve(commandId, { note: "after the restart" }, org);
      const decision = await waiting;
      expect([decision.approved, decision.commandId, decision.notes]).toEqual([
        true,
        commandId,
        "after the restart",
      ]);
      expect(settled).toBe(1);
      expect((await findCommands(command, org)).map((c) => c.id)).toEqual([commandId]);
    } finally {
      await client.close();
    }
  });

  it("fails a wait whose token was revoked meanwhile with ExpactiAuthenticationError, not retrying", async () => {
    const { token, credentialId } = await server.createCredential("agent", "doomed", org.org);
    const cut = await Proxy.start(server.port);
    const client = new ExpactiClient({ url: cut.wsUrl, token, maxBackoff: 0.2 });
    try {
      const command = uniqueCommand("make doomed");
      const failing = rejection(client.run(command, { timeout: 120 }));
      await pendingId(command, org);
      cut.refuse(true);
      cut.drop();
      await server.revoke(credentialId);
      const attempts = cut.connections;
      cut.refuse(false);
      const error = await failing;
      expect(error).toBeInstanceOf(ExpactiAuthenticationError);
      expect((error as ExpactiAuthenticationError).statusCode).toBe(401);
      expect(cut.connections).toBe(attempts + 1); // one handshake, refused, never retried
    } finally {
      await client.close();
      await cut.close();
    }
  });
});
