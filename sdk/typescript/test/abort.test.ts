/** AbortSignal against the real server: an aborted wait cancels the command there. */

import { afterAll, describe, expect, it } from "vitest";

import { CommandAbortedError, CommandTimeoutError, ExpactiClient, ExpactiError } from "../src/index.js";
import {
  approve,
  findCommands,
  pendingId,
  rejection,
  serverInfo,
  uniqueCommand,
  waitForStatus,
} from "./support/server.js";

const info = serverInfo();
const client = new ExpactiClient({ url: info.wsUrl, token: info.agentToken });

afterAll(async () => {
  await client.close();
});

describe("aborting a wait", () => {
  it("rejects with CommandAbortedError and cancels the command on the server", async () => {
    const command = uniqueCommand("terraform destroy");
    const controller = new AbortController();
    const failing = rejection(client.run(command, { signal: controller.signal }));
    const commandId = await pendingId(command);
    controller.abort(new Error("the user pressed stop"));

    const error = await failing;
    expect(error).toBeInstanceOf(CommandAbortedError);
    expect(error).toBeInstanceOf(ExpactiError);
    expect((error as Error).name).toBe("AbortError");
    expect((error as CommandAbortedError).reason).toEqual(new Error("the user pressed stop"));
    const view = await waitForStatus(commandId, "cancelled");
    expect(view.decision.notes).toBe("the agent aborted the wait");
    // Nobody can approve it any more.
    await expect(approve(commandId)).rejects.toThrow(/409/);
  });

  it("treats a timeout signal as a client-side timeout: CommandTimeoutError, cancelled", async () => {
    const command = uniqueCommand("helm upgrade prod");
    const controller = new AbortController();
    const failing = rejection(client.run(command, { signal: controller.signal }));
    const commandId = await pendingId(command);
    // What AbortSignal.timeout() does when its time is up.
    controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
    const error = await failing;
    expect(error).toBeInstanceOf(CommandTimeoutError);
    expect((error as CommandTimeoutError).decision).toBeUndefined();
    await waitForStatus(commandId, "cancelled");

    const quick = await rejection(client.run(uniqueCommand("helm rollback"), { signal: AbortSignal.timeout(1) }));
    expect(quick).toBeInstanceOf(CommandTimeoutError);
  });

  it("sends nothing for a signal aborted before the call", async () => {
    const command = uniqueCommand("echo never");
    const error = await rejection(client.run(command, { signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(CommandAbortedError);
    expect(await findCommands(command)).toEqual([]);
  });

  it("leaves other waits on the connection alone", async () => {
    const kept = uniqueCommand("echo kept");
    const dropped = uniqueCommand("echo dropped");
    const controller = new AbortController();
    const keeping = client.run(kept);
    const failing = rejection(client.run(dropped, { signal: controller.signal }));
    await pendingId(dropped);
    controller.abort();
    expect(await failing).toBeInstanceOf(CommandAbortedError);
    const keptId = await pendingId(kept);
    await approve(keptId);
    expect((await keeping).approved).toBe(true);
  });

  it("after the decision changes nothing", async () => {
    const command = uniqueCommand("echo decided");
    const controller = new AbortController();
    const waiting = client.run(command, { signal: controller.signal });
    await approve(await pendingId(command));
    const decision = await waiting;
    controller.abort();
    expect(decision.approved).toBe(true);
    expect((await waitForStatus(decision.commandId, "approved")).status).toBe("approved");
  });
});
