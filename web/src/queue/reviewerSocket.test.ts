import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { asWebSocket, FakeWebSocket } from "../test/fakeWebSocket";
import { parseFrame, PING_INTERVAL_MS, PONG_TIMEOUT_MS, ReviewerSocket, reviewerSocketUrl, type ConnectionState } from "./reviewerSocket";
import type { ServerFrame } from "../api";

function setup(online = true) {
  const states: ConnectionState[] = [];
  const frames: ServerFrame[] = [];
  const socket = new ReviewerSocket(
    { url: "ws://x/api/v1/reviewer/ws", WebSocket: asWebSocket, random: () => 0.5, isOnline: () => online },
    { onFrame: (f) => frames.push(f), onState: (s) => states.push(s) },
  );
  return { socket, states, frames, last: () => states[states.length - 1] };
}

const snapshot = { type: "snapshot", server_time: "2030-01-01T00:00:00Z", commands: [] };

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => vi.useRealTimers());

describe("reviewerSocketUrl", () => {
  it("follows the page protocol", () => {
    expect(reviewerSocketUrl({ protocol: "https:", host: "e.example" })).toBe("wss://e.example/api/v1/reviewer/ws");
    expect(reviewerSocketUrl({ protocol: "http:", host: "127.0.0.1:8000" })).toBe("ws://127.0.0.1:8000/api/v1/reviewer/ws");
  });
});

describe("parseFrame", () => {
  it("accepts known frames and drops junk", () => {
    expect(parseFrame('{"type":"pong"}')).toEqual({ type: "pong" });
    expect(parseFrame('{"type":"escalated","command":{"id":"c1"},"tier":"senior"}')).toEqual({
      type: "escalated",
      command: { id: "c1" },
      tier: "senior",
    });
    expect(parseFrame('{"type":"mystery"}')).toBeNull();
    expect(parseFrame("not json")).toBeNull();
    expect(parseFrame(new ArrayBuffer(2))).toBeNull();
  });
});

describe("ReviewerSocket", () => {
  it("is live once the snapshot arrives and forwards frames", () => {
    const { socket, frames, last } = setup();
    socket.start();
    expect(last()).toEqual({ kind: "connecting", attempt: 0 });
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().receive(snapshot);
    expect(last()).toEqual({ kind: "live", recovered: false });
    expect(frames).toEqual([snapshot]);
    socket.stop();
  });

  it("pings every 15 s and stays up while pongs come back", () => {
    const { socket } = setup();
    socket.start();
    const ws = FakeWebSocket.latest();
    ws.open();
    ws.receive(snapshot);
    vi.advanceTimersByTime(PING_INTERVAL_MS);
    expect(ws.sent).toEqual(['{"type":"ping"}']);
    vi.advanceTimersByTime(2_000);
    ws.receive({ type: "pong" });
    vi.advanceTimersByTime(PONG_TIMEOUT_MS);
    expect(ws.closedWith).toBeNull();
    expect(FakeWebSocket.instances).toHaveLength(1);
    socket.stop();
  });

  it("reconnects when no pong arrives within 10 s", () => {
    const { socket, last } = setup();
    socket.start();
    const ws = FakeWebSocket.latest();
    ws.open();
    ws.receive(snapshot);
    vi.advanceTimersByTime(PING_INTERVAL_MS + PONG_TIMEOUT_MS);
    expect(ws.closedWith?.code).toBe(4000);
    expect(last()).toMatchObject({ kind: "reconnecting", attempt: 1, retryInMs: 500 });
    vi.advanceTimersByTime(500);
    expect(FakeWebSocket.instances).toHaveLength(2);
    socket.stop();
  });

  it("backs off exponentially across failures and resets after a snapshot", () => {
    const { socket, states, last } = setup();
    socket.start();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      FakeWebSocket.latest().serverClose(1006);
      const s = last();
      if (s?.kind !== "reconnecting") throw new Error("expected reconnecting");
      delays.push(s.retryInMs);
      vi.advanceTimersByTime(s.retryInMs);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 10000]);
    FakeWebSocket.latest().open();
    FakeWebSocket.latest().receive(snapshot);
    expect(last()).toEqual({ kind: "live", recovered: false });
    FakeWebSocket.latest().serverClose(1012);
    expect(last()).toMatchObject({ kind: "reconnecting", attempt: 1, retryInMs: 500 });
    vi.advanceTimersByTime(500);
    FakeWebSocket.latest().receive(snapshot);
    expect(last()).toEqual({ kind: "live", recovered: true });
    expect(states.some((s) => s.kind === "offline")).toBe(false);
    socket.stop();
  });

  it("stops and reports unauthorized on close 4401", () => {
    const { socket, last } = setup();
    socket.start();
    FakeWebSocket.latest().serverClose(4401);
    expect(last()).toEqual({ kind: "unauthorized" });
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    socket.stop();
  });

  it("does not retry a refused origin (1008)", () => {
    const { socket, last } = setup();
    socket.start();
    FakeWebSocket.latest().serverClose(1008, "origin not allowed");
    expect(last()).toEqual({ kind: "refused", reason: "origin not allowed" });
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it("waits offline without spinning and reconnects at once when back online", () => {
    let online = false;
    const states: ConnectionState[] = [];
    const socket = new ReviewerSocket(
      { url: "ws://x", WebSocket: asWebSocket, isOnline: () => online },
      { onFrame: () => undefined, onState: (s) => states.push(s) },
    );
    socket.start();
    expect(states).toEqual([{ kind: "offline" }]);
    expect(FakeWebSocket.instances).toHaveLength(0);
    online = true;
    window.dispatchEvent(new Event("online"));
    expect(FakeWebSocket.instances).toHaveLength(1);
    socket.stop();
  });

  it("stop() closes the socket and cancels a pending retry", () => {
    const { socket } = setup();
    socket.start();
    FakeWebSocket.latest().serverClose(1006);
    socket.stop();
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});
