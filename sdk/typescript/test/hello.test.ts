/**
 * `hello` is applied on every connection, including when it arrives in the same read as
 * the end of the handshake: the server's limits and the organisation's timeout policy.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { CommandTimeoutError, ExpactiClient } from "../src/index.js";
import { Link } from "../src/link.js";
import { pingFrame } from "../src/frames.js";
import { FakeServer } from "./support/fake-server.js";
import { rejection, serverInfo } from "./support/server.js";

const info = serverInfo();

describe("a hello sent with the handshake's last bytes", () => {
  let fake: FakeServer;

  beforeAll(async () => {
    fake = await FakeServer.start({ max_command_bytes: 16, timeout_seconds: 1 });
  });

  afterAll(async () => {
    await fake.close();
  });

  it("sets the limits on every connection", async () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const client = new ExpactiClient({ url: fake.wsUrl, token: "t" });
      try {
        await client.connect();
        const error = await rejection(client.run("echo this is longer than sixteen bytes"));
        expect(error).toBeInstanceOf(RangeError);
        expect((error as Error).message).toMatch(/16/);
      } finally {
        await client.close();
      }
    }
  });

  it("sets the organisation's timeout: the client gives up at it (plus grace) and cancels", async () => {
    const client = new ExpactiClient({ url: fake.wsUrl, token: "t" });
    try {
      await client.connect();
      const error = await rejection(client.run("sleepy"));
      expect(error).toBeInstanceOf(CommandTimeoutError);
      expect((error as CommandTimeoutError).decision).toBeUndefined();
      const submit = await fake.frame((frame) => frame["type"] === "submit" && frame["command"] === "sleepy");
      const cancel = await fake.frame(
        (frame) => frame["type"] === "cancel" && frame["request_id"] === submit["request_id"],
      );
      expect(cancel["reason"]).toBe("agent deadline passed");
    } finally {
      await client.close();
    }
  });
});

describe("the real server's hello", () => {
  it("is seen on every one of many connections", async () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const link = new Link(
        info.wsUrl,
        info.agentToken,
        { connectTimeout: 10, reconnectTimeout: 10, maxBackoff: 1 },
        { pending: new Map(), executions: new Map() },
        () => {},
      );
      try {
        const conn = await link.open();
        // The server answers in order: once the pong is here, so is everything before it.
        const pong = new Promise<void>((resolve) => {
          conn.ws.on("message", (data) => {
            if (String(data).includes(`"nonce":"n${attempt}"`)) resolve();
          });
        });
        conn.send(pingFrame(`n${attempt}`));
        await pong;
        expect(link.hello?.org).toMatchObject({ name: info.org });
      } finally {
        await link.close();
      }
    }
  });
});
