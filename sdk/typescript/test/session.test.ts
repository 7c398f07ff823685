/** Sessions against the real server: what reviewers see, and how a session ends. */

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

import { afterAll, describe, expect, it } from "vitest";

import { CommandDeniedError, ExpactiClient } from "../src/index.js";
import {
  approveWhenPending,
  denyWhenPending,
  getCommand,
  rejection,
  reviewer,
  serverInfo,
  sleep,
  uniqueCommand,
} from "./support/server.js";

const info = serverInfo();

/** A full garbage collection, from a flag set at run time (tests only). */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}
const client = new ExpactiClient({ url: info.wsUrl, token: info.agentToken });

afterAll(async () => {
  await client.close();
});

/** The server's view of the session `commandId` belongs to. */
async function sessionOf(commandId: string): Promise<any> {
  const view = await getCommand(commandId);
  expect(view.session_id).toBeTruthy();
  return reviewer("GET", `/api/v1/sessions/${view.session_id}`);
}

/** Wait until the session's status is `status` (session_end needs no answer). */
async function sessionStatus(commandId: string, status: string): Promise<any> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const detail = await sessionOf(commandId);
    if (detail.status === status) return detail;
    await sleep(20);
  }
  throw new Error(`the session never became ${status}`);
}

describe("a session", () => {
  it("shows reviewers its goal and step with every command, and ends completed", async () => {
    const session = client.session({ goal: "deploy v2.3.1 to staging", steps: ["build", "push", "verify"] });
    const build = uniqueCommand("make build");
    const building = session.run(build);
    const buildId = await approveWhenPending(build);
    await building;

    const push = uniqueCommand("docker push registry/app:2.3.1");
    const pushing = session.run(push, { step: "push", target: "staging" });
    const pushId = await approveWhenPending(push);
    expect((await pushing).approved).toBe(true);
    expect(session.currentStep).toBe(1);

    const pushed = await getCommand(pushId);
    expect(pushed.session).toMatchObject({
      id: session.id,
      goal: "deploy v2.3.1 to staging",
      steps: ["build", "push", "verify"],
      current_step: 1,
    });
    const detail = await sessionOf(buildId);
    expect(detail.status).toBe("active");
    expect(detail.items.map((c: any) => [c.command, c.step])).toEqual([
      [build, 0],
      [push, 1],
    ]);

    await session.end();
    expect(session.ended).toBe(true);
    await sessionStatus(buildId, "completed");
    await expect(session.run("echo late")).rejects.toThrow(/has ended/);
  });

  it("ends failed when told so", async () => {
    const session = client.session({ goal: "rotate keys" });
    const command = uniqueCommand("vault rotate");
    const failing = rejection(session.run(command));
    const commandId = await denyWhenPending(command, "not now");
    expect(await failing).toBeInstanceOf(CommandDeniedError);
    await session.end("failed");
    await sessionStatus(commandId, "failed");
  });

  it("records its executions in one recording", async () => {
    const session = client.session({ goal: "look around", steps: ["look", "count"] });
    const look = uniqueCommand("echo looking");
    const looking = session.execute(look, { step: "look" });
    await approveWhenPending(look);
    const first = await looking;
    const count = uniqueCommand("echo counting");
    const counting = session.execute(count, { step: "count" });
    await approveWhenPending(count);
    const second = await counting;
    await session.end();
    expect([first.output, second.output]).toEqual(["looking\n", "counting\n"]);
    expect(first.recordingId).toBe(second.recordingId);
    expect([first.recorded, second.recorded]).toEqual([true, true]);
  });

  it("still open when the client closes is ended: failed after a denial", async () => {
    const own = new ExpactiClient({ url: info.wsUrl, token: info.agentToken });
    const session = own.session({ goal: "clean up" });
    const command = uniqueCommand("rm -rf /var/cache/app");
    const failing = rejection(session.run(command));
    const commandId = await denyWhenPending(command);
    await failing;
    await own.close();
    expect(session.ended).toBe(true);
    await sessionStatus(commandId, "failed");
  });

  it("that never submitted is not held by its client (nothing to end), one that did is", async () => {
    const own = new ExpactiClient({ url: info.wsUrl, token: info.agentToken });
    const made = (): { idle: WeakRef<object>; busy: WeakRef<object>; commandId: Promise<string> } => {
      const idle = own.session({ goal: "never used" });
      const busy = own.session({ goal: "used once" });
      const command = uniqueCommand("echo held");
      void rejection(busy.run(command));
      return { idle: new WeakRef(idle), busy: new WeakRef(busy), commandId: denyWhenPending(command) };
    };
    const { idle, busy, commandId } = made();
    await commandId;
    await new Promise((resolve) => setImmediate(resolve)); // WeakRefs hold their target for a turn
    collectGarbage();
    expect(idle.deref()).toBeUndefined();
    expect(busy.deref()).toBeDefined(); // close() must end it
    await own.close();
    await sessionStatus(await commandId, "failed");
  });

  it("refuses a bad goal, bad steps and unknown steps", () => {
    expect(() => client.session({ goal: " " })).toThrow(RangeError);
    expect(() => client.session({ goal: "x", steps: [] })).toThrow(RangeError);
    expect(() => client.session({ goal: "x", steps: ["a", "a"] })).toThrow(RangeError);
    const session = client.session({ goal: "x", steps: ["a", "b"] });
    expect(() => session.step("c")).toThrow(/no step named "c"; the steps are "a", "b"/);
    expect(() => session.step(2)).toThrow(RangeError);
    session.step(1);
    expect(session.currentStep).toBe(1);
    expect(() => client.session({ goal: "x" }).step(0)).toThrow(/no steps/);
  });
});
