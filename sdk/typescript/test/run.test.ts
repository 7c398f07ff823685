/** `run()` against the real server: approve, deny, edit, whitelist, timeout, bad tokens. */

import { afterAll, describe, expect, it } from "vitest";

import {
  CommandDeniedError,
  CommandTimeoutError,
  ExpactiAuthenticationError,
  ExpactiClient,
  ExpactiConnectionError,
  ExpactiError,
  type Progress,
} from "../src/index.js";
import {
  approve,
  approveWhenPending,
  denyWhenPending,
  getCommand,
  pendingId,
  rejection,
  reviewer,
  serverInfo,
  ServerProcess,
  sleep,
  uniqueCommand,
  waitForStatus,
  whitelist,
} from "./support/server.js";

const info = serverInfo();
const client = new ExpactiClient({ url: info.wsUrl, token: info.agentToken });

afterAll(async () => {
  await client.close();
});

describe("run", () => {
  it("waits for a human and resolves with the approval", async () => {
    const command = uniqueCommand("make deploy");
    const waiting = client.run(command, { target: "prod", context: { ticket: "OPS-7" } });
    const commandId = await pendingId(command);
    const view = await getCommand(commandId);
    expect([view.target, view.context]).toEqual(["prod", { ticket: "OPS-7" }]);
    await approve(commandId, { note: "go" });

    const decision = await waiting;
    expect(decision).toMatchObject({
      approved: true,
      decision: "approved",
      commandId,
      reviewer: "alice",
      notes: "go",
      whitelisted: false,
      ruleId: null,
      command,
      originalCommand: command,
      edited: false,
      approvers: ["alice"],
    });
    expect(decision.requestId).toMatch(/^[0-9a-f]{32}$/);
    expect(decision.latencyMs).toBeGreaterThan(0);
    expect(Array.isArray(decision.anomalies)).toBe(true);
  });

  it("rejects a denial with CommandDeniedError carrying the reviewer and the reason", async () => {
    const command = uniqueCommand("rm -rf /srv");
    const failing = rejection(client.run(command));
    const commandId = await denyWhenPending(command, "not on a Friday");

    const error = await failing;
    expect(error).toBeInstanceOf(CommandDeniedError);
    expect(error).toBeInstanceOf(ExpactiError);
    const denied = error as CommandDeniedError;
    expect([denied.reviewer, denied.notes, denied.command, denied.commandId]).toEqual([
      "alice",
      "not on a Friday",
      command,
      commandId,
    ]);
    expect(denied.decision.decision).toBe("denied");
    expect(denied.message).toContain("denied by alice: not on a Friday");
  });

  it("resolves a denial with raiseOnDeny: false", async () => {
    const command = uniqueCommand("rm -rf /tmp/x");
    const waiting = client.run(command, { raiseOnDeny: false });
    await denyWhenPending(command, "no");
    const decision = await waiting;
    expect([decision.approved, decision.decision, decision.notes]).toEqual([false, "denied", "no"]);
  });

  it("hands over the reviewer's edit as the command to run", async () => {
    const command = uniqueCommand("terraform apply");
    const edited = "terraform apply -target=module.web";
    const waiting = client.run(command);
    const commandId = await pendingId(command);
    await approve(commandId, { command: edited });
    const decision = await waiting;
    expect([decision.command, decision.originalCommand, decision.edited]).toEqual([edited, command, true]);
  });

  it("passes a whitelisted command at once, without a human", async () => {
    const command = uniqueCommand("git status");
    const rule = await whitelist(command);
    const decision = await client.run(command);
    expect(decision).toMatchObject({ approved: true, whitelisted: true, reviewer: null, ruleId: rule.id });
    expect((await getCommand(decision.commandId)).status).toBe("approved");
  });

  it("rejects with CommandTimeoutError when nobody decides, and the server times it out", async () => {
    const command = uniqueCommand("kubectl delete ns prod");
    const error = await rejection(client.run(command, { timeout: 1 }));
    expect(error).toBeInstanceOf(CommandTimeoutError);
    const timedOut = error as CommandTimeoutError;
    expect(timedOut.decision?.decision).toBe("timed_out");
    const view = await getCommand(timedOut.commandId!);
    expect(view.status).toBe("timed_out"); // no longer pending: nobody can approve it now

    const quiet = await client.run(uniqueCommand("kubectl delete ns qa"), { timeout: 1, raiseOnDeny: false });
    expect([quiet.approved, quiet.decision]).toEqual([false, "timed_out"]);
  });

  it("reports each partial approval of a multi-party command to onProgress", async () => {
    const bob = await ServerProcess.attach(info).createToken("reviewer", "bob", info.org);
    const tag = uniqueCommand("terraform apply").split("# ")[1]!;
    await reviewer("POST", "/api/v1/policies", {
      name: `two of us ${tag}`,
      command_pattern: `*${tag}`,
      require_n_approvers: 2,
      policy: "AllOf",
    });
    const command = `terraform apply # ${tag}`;
    const seen: Progress[] = [];
    const waiting = client.run(command, { onProgress: (progress) => seen.push(progress) });
    const commandId = await pendingId(command);
    await approve(commandId);
    while (seen.length === 0) await sleep(10);
    expect(seen).toEqual([
      expect.objectContaining({ commandId, approvals: 1, required: 2, approvers: ["alice"], escalated: false }),
    ]);
    expect(seen[0]!.expiresAt).toBeInstanceOf(Date);
    await approve(commandId, {}, { ...info, reviewerToken: bob });
    const decision = await waiting;
    expect([decision.approved, decision.approvers]).toEqual([true, ["alice", "bob"]]);
  });

  it("serves concurrent runs on one connection, each with its own decision", async () => {
    const commands = [uniqueCommand("echo a"), uniqueCommand("echo b"), uniqueCommand("echo c")];
    const waiting = commands.map((command) => client.run(command, { raiseOnDeny: false }));
    await approveWhenPending(commands[0]!);
    await denyWhenPending(commands[1]!, "b is wrong");
    await approveWhenPending(commands[2]!);
    const decisions = await Promise.all(waiting);
    expect(decisions.map((d) => [d.command, d.approved])).toEqual([
      [commands[0], true],
      [commands[1], false],
      [commands[2], true],
    ]);
  });
});

describe("bad credentials and input", () => {
  it("rejects a reviewer token with ExpactiAuthenticationError (403) and never retries", async () => {
    const wrong = new ExpactiClient({ url: info.wsUrl, token: info.reviewerToken });
    const error = await rejection(wrong.run("ls"));
    await wrong.close();
    expect(error).toBeInstanceOf(ExpactiAuthenticationError);
    expect(error).toBeInstanceOf(ExpactiConnectionError);
    expect((error as ExpactiAuthenticationError).statusCode).toBe(403);
  });

  it("rejects an unknown token with ExpactiAuthenticationError (401)", async () => {
    const wrong = new ExpactiClient({ url: info.wsUrl, token: "expacti_agent_nope" });
    const error = await rejection(wrong.run("ls"));
    await wrong.close();
    expect(error).toBeInstanceOf(ExpactiAuthenticationError);
    expect((error as ExpactiAuthenticationError).statusCode).toBe(401);
  });

  it("refuses bad arguments before anything is sent", async () => {
    await expect(client.run("   ")).rejects.toThrow(RangeError);
    await expect(client.run("ls", { timeout: 0 })).rejects.toThrow(RangeError);
    await expect(client.run("ls", { timeout: 601 })).rejects.toThrow(RangeError);
    await expect(client.run("ls\u0000rm")).rejects.toThrow(RangeError);
    await expect(client.run("a".repeat(65537))).rejects.toThrow(/65537 bytes/);
    await expect(client.run("ls", { context: [1] as unknown as Record<string, unknown> })).rejects.toThrow(
      TypeError,
    );
    expect(() => new ExpactiClient({ url: "http://x", token: "t" })).toThrow(TypeError);
    expect(() => new ExpactiClient({ url: info.wsUrl, token: "has space" })).toThrow(TypeError);
  });

  it("rejects every call of a closed client with ExpactiConnectionError", async () => {
    const closing = new ExpactiClient({ url: info.wsUrl, token: info.agentToken });
    const command = uniqueCommand("sleep 1");
    const waiting = rejection(closing.run(command));
    const commandId = await pendingId(command);
    await closing.close();
    const error = await waiting;
    expect(error).toBeInstanceOf(ExpactiConnectionError);
    expect((error as Error).message).toBe("client closed");
    await expect(closing.run("ls")).rejects.toThrow("client closed");
    // The client asked the server to cancel what it waited for.
    const view = await waitForStatus(commandId, "cancelled");
    expect(view.decision.notes).toBe("the agent closed its client");
  });
});
