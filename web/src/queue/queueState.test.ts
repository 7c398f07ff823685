import { describe, expect, it } from "vitest";
import { makeCommand } from "../test/factories";
import { initialQueueState, queueReducer, waitingCount, type QueueAction, type QueueState } from "./queueState";

function run(actions: QueueAction[], state: QueueState = initialQueueState): QueueState {
  return actions.reduce(queueReducer, state);
}
const ids = (s: QueueState) => s.commands.map((c) => c.id);
const snapshot = (commands = [makeCommand({ id: "a" })], serverTime = "2030-01-01T00:00:05Z", receivedAt = Date.parse("2030-01-01T00:00:00Z")): QueueAction => ({
  type: "snapshot",
  commands,
  serverTime,
  receivedAt,
});

describe("queueReducer", () => {
  it("starts unloaded and empty", () => {
    expect(initialQueueState.loaded).toBe(false);
    expect(initialQueueState.commands).toEqual([]);
  });

  it("snapshot replaces the queue and measures clock skew", () => {
    const before = run([{ type: "pending", command: makeCommand({ id: "old" }) }]);
    const after = queueReducer(before, snapshot([makeCommand({ id: "a" }), makeCommand({ id: "b" })]));
    expect(ids(after)).toEqual(["a", "b"]);
    expect(after.loaded).toBe(true);
    expect(after.skewMs).toBe(5_000);
  });

  it("snapshot drops duplicate ids", () => {
    const s = run([snapshot([makeCommand({ id: "a" }), makeCommand({ id: "a" }), makeCommand({ id: "b" })])]);
    expect(ids(s)).toEqual(["a", "b"]);
  });

  it("pending appends at the end so nothing on screen moves", () => {
    const s = run([snapshot([makeCommand({ id: "a" })]), { type: "pending", command: makeCommand({ id: "b" }) }]);
    expect(ids(s)).toEqual(["a", "b"]);
  });

  it("pending for a known id updates it in place instead of duplicating", () => {
    const s = run([
      snapshot([makeCommand({ id: "a" }), makeCommand({ id: "b" })]),
      { type: "pending", command: makeCommand({ id: "a", risk_score: 90 }) },
    ]);
    expect(ids(s)).toEqual(["a", "b"]);
    expect(s.commands[0]?.risk_score).toBe(90);
  });

  it("decided removes the card", () => {
    const s = run([
      snapshot([makeCommand({ id: "a" }), makeCommand({ id: "b" })]),
      { type: "decided", command: makeCommand({ id: "a", status: "approved" }) },
    ]);
    expect(ids(s)).toEqual(["b"]);
  });

  it("decided for an unknown id changes nothing", () => {
    const s0 = run([snapshot()]);
    expect(queueReducer(s0, { type: "decided", command: makeCommand({ id: "zzz" }) })).toBe(s0);
  });

  it("a held card survives decided until released, then leaves", () => {
    const held = run([
      snapshot([makeCommand({ id: "a" }), makeCommand({ id: "b" })]),
      { type: "hold", id: "a" },
      { type: "decided", command: makeCommand({ id: "a", status: "approved" }) },
    ]);
    expect(ids(held)).toEqual(["a", "b"]);
    expect(held.departed).toEqual(["a"]);
    expect(waitingCount(held)).toBe(1);
    const released = queueReducer(held, { type: "release", id: "a" });
    expect(ids(released)).toEqual(["b"]);
    expect(released.held).toEqual([]);
  });

  it("releasing a card the server did not decide keeps it", () => {
    const s = run([snapshot(), { type: "hold", id: "a" }, { type: "release", id: "a" }]);
    expect(ids(s)).toEqual(["a"]);
  });

  it("removed takes the card out at once, held or not", () => {
    const s = run([snapshot(), { type: "hold", id: "a" }, { type: "removed", id: "a" }]);
    expect(ids(s)).toEqual([]);
    expect(s.held).toEqual([]);
  });

  it("a reconnect snapshot is the refetch: missed arrivals appear, missed decisions vanish", () => {
    const s = run([
      snapshot([makeCommand({ id: "a" }), makeCommand({ id: "b" })]),
      // …connection drops; meanwhile a was decided and c arrived…
      snapshot([makeCommand({ id: "b" }), makeCommand({ id: "c" })], "2030-01-01T00:10:00Z", Date.parse("2030-01-01T00:10:02Z")),
    ]);
    expect(ids(s)).toEqual(["b", "c"]);
    expect(s.skewMs).toBe(-2_000);
  });

  it("a reconnect snapshot keeps a held card in place, marked departed", () => {
    const s = run([
      snapshot([makeCommand({ id: "a" }), makeCommand({ id: "b" }), makeCommand({ id: "c" })]),
      { type: "hold", id: "b" },
      snapshot([makeCommand({ id: "a" }), makeCommand({ id: "c" })]),
    ]);
    expect(ids(s)).toEqual(["a", "b", "c"]);
    expect(s.departed).toEqual(["b"]);
    expect(ids(queueReducer(s, { type: "release", id: "b" }))).toEqual(["a", "c"]);
  });

  it("keeps the previous skew when server_time is unparsable", () => {
    const s = run([snapshot(), snapshot([], "garbage")]);
    expect(s.skewMs).toBe(5_000);
  });

  it("updated replaces a known card in place and never adds one", () => {
    const loaded = queueReducer(initialQueueState, {
      type: "snapshot",
      commands: [makeCommand({ id: "a" }), makeCommand({ id: "b" })],
      serverTime: "2030-01-01T00:00:00Z",
      receivedAt: Date.parse("2030-01-01T00:00:00Z"),
    });
    const voted = makeCommand({ id: "a", approvals: 1 });
    const next = queueReducer(loaded, { type: "updated", command: voted });
    expect(next.commands.map((c) => [c.id, c.approvals])).toEqual([
      ["a", 1],
      ["b", 0],
    ]);
    expect(queueReducer(next, { type: "updated", command: makeCommand({ id: "gone" }) })).toBe(next);
  });
});
