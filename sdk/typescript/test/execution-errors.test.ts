/**
 * The real server's `error` frames about an execution reach the execution they name, and
 * do what the protocol says: `not_approved` and `execution_finished` stop its streaming,
 * `output_refused` (an end-to-end encrypted command) drops the output but still records
 * the end. Driven through the SDK's connection and output stream, since `execute()` only
 * ever streams what the server will take.
 */

import { constants, createCipheriv, generateKeyPairSync, publicEncrypt, randomBytes, randomUUID } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ExpactiClient } from "../src/index.js";
import { execOutputFrame } from "../src/frames.js";
import { Link } from "../src/link.js";
import { OutputStream, sendOutput } from "../src/output.js";
import {
  approveWhenPending,
  deny,
  pendingId,
  rejection,
  reviewer,
  ServerProcess,
  serverInfo,
  uniqueCommand,
  type ServerInfo,
} from "./support/server.js";

let org: ServerInfo;
let link: Link;
const warnings: string[] = [];
const executions = new Map<string, OutputStream>();

beforeAll(async () => {
  org = await ServerProcess.attach(serverInfo()).newOrg();
  link = new Link(
    org.wsUrl,
    org.agentToken,
    { connectTimeout: 10, reconnectTimeout: 10, maxBackoff: 0.2 },
    { pending: new Map(), executions },
    (message) => warnings.push(message),
  );
});

afterAll(async () => {
  await link.close();
});

/** Stream `stream` through the link until it settles. */
function send(stream: OutputStream): Promise<void> {
  executions.set(stream.commandId, stream);
  return sendOutput(stream, {
    connection: async () => link.current ?? link.open(),
    maxBackoff: 0.2,
    stopped: () => false,
    warn: (message) => warnings.push(message),
  });
}

const newStream = (commandId: string): OutputStream => new OutputStream(commandId, 80, 24, 1 << 20, 1 << 20);

describe("an execution error from the server", () => {
  it("not_approved (a command still pending) stops the streaming", async () => {
    const client = new ExpactiClient({ url: org.wsUrl, token: org.agentToken });
    try {
      const command = uniqueCommand("make pending");
      const waiting = rejection(client.run(command));
      const commandId = await pendingId(command, org);
      const stream = newStream(commandId);
      stream.output("not yet", 0);
      stream.end(0, 0.1);
      await send(stream);
      expect(stream.failure).toMatch(/^not_approved: /);
      expect(stream.recordingId).toBeNull();
      await deny(commandId, undefined, org);
      await waiting;
    } finally {
      await client.close();
    }
  });

  it("execution_finished (output after the end) stops the streaming", async () => {
    const client = new ExpactiClient({ url: org.wsUrl, token: org.agentToken });
    try {
      const command = uniqueCommand("echo finished");
      const running = client.execute(command);
      await approveWhenPending(command, {}, org);
      const { decision, recorded } = await running;
      expect(recorded).toBe(true);
      const stream = newStream(decision.commandId);
      executions.set(stream.commandId, stream);
      const conn = link.current ?? (await link.open());
      conn.send(stream.startFrame);
      conn.send(execOutputFrame(decision.commandId, 99, [[0, "o", "too late"]]));
      await stream.settled;
      expect(stream.failure).toMatch(/^execution_finished: /);
    } finally {
      await client.close();
    }
  });

  it("output_refused (an encrypted command) keeps only the end", async () => {
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const spki = publicKey.export({ type: "spki", format: "der" }).toString("base64");
    const key = await reviewer("POST", "/api/v1/keys", { public_key: spki, label: "test" }, org);
    const secret = randomBytes(32);
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", secret, iv);
    const ciphertext = Buffer.concat([cipher.update("cat /etc/secret", "utf8"), cipher.final(), cipher.getAuthTag()]);
    const wrapped = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, secret);
    const label = uniqueCommand("encrypted");
    const conn = link.current ?? (await link.open());
    conn.send(
      JSON.stringify({
        type: "submit",
        request_id: randomUUID().replaceAll("-", ""),
        command: label,
        encrypted: {
          alg: "RSA-OAEP-256+A256GCM",
          iv: iv.toString("base64"),
          ciphertext: ciphertext.toString("base64"),
          recipients: [{ key_id: key.id, wrapped_key: wrapped.toString("base64") }],
        },
      }),
    );
    const commandId = await approveWhenPending(label, {}, org);
    const stream = newStream(commandId);
    stream.output("the secret\n", 0);
    stream.end(0, 0.1);
    await send(stream);
    expect(stream.failure).toBeNull();
    expect(warnings).toContain(`the server refused the output of ${commandId}`);
    const view = await reviewer("GET", `/api/v1/commands/${commandId}`, undefined, org);
    const detail = await reviewer("GET", `/api/v1/recordings/${view.recording_id}`, undefined, org);
    expect(detail.markers.map((m: any) => [m.command_id, m.exit_code, m.finished])).toEqual([[commandId, 0, true]]);
    const cast = await fetch(`${org.httpUrl}/api/v1/recordings/${view.recording_id}/cast`, {
      headers: { Authorization: `Bearer ${org.reviewerToken}` },
    });
    expect(await cast.text()).not.toContain("the secret");
  });
});
