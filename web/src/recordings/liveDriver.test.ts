import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { asWebSocket, FakeWebSocket } from "../test/fakeWebSocket";
import { liveDriver, liveRecordingUrl, parseSize } from "./liveDriver";

const HEADER = { version: 2, width: 100, height: 30, timestamp: 1893456000, title: "Ship it", env: { TERM: "xterm-256color" } };

function start(options: Parameters<typeof liveDriver>[1] = {}) {
  FakeWebSocket.reset();
  const dispatch = vi.fn();
  const driver = liveDriver("ws://x/api/v1/recordings/rec_1/live", { WebSocketImpl: asWebSocket, ...options })({ dispatch });
  driver.play();
  const ws = FakeWebSocket.latest();
  ws.open();
  return { dispatch, driver, ws };
}

function sendLine(ws: FakeWebSocket, value: unknown) {
  ws.receive(value); // FakeWebSocket sends JSON text, as the server does (one line per message)
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("liveDriver", () => {
  it("resets the terminal from the header, then plays each event as it arrives", () => {
    const onMarker = vi.fn();
    const { dispatch, driver, ws } = start({ onMarker });
    expect(dispatch).toHaveBeenCalledWith("play");
    sendLine(ws, HEADER);
    expect(dispatch).toHaveBeenCalledWith("reset", { size: { cols: 100, rows: 30 }, init: undefined, theme: null });
    expect(dispatch).toHaveBeenCalledWith("playing");

    sendLine(ws, [0.5, "m", "make build"]);
    sendLine(ws, [0.51, "o", "building\r\n"]);
    sendLine(ws, [0.7, "r", "120x40"]);
    sendLine(ws, [0.9, "i", "y\r"]);
    sendLine(ws, [3.25, "m", "make deploy"]);

    expect(dispatch).toHaveBeenCalledWith("marker", { index: 0, time: 0.5, label: "make build" });
    expect(dispatch).toHaveBeenCalledWith("output", "building\r\n");
    expect(dispatch).toHaveBeenCalledWith("resize", { cols: 120, rows: 40 });
    expect(dispatch).toHaveBeenCalledWith("input", { data: "y\r" });
    expect(dispatch).toHaveBeenCalledWith("marker", { index: 1, time: 3.25, label: "make deploy" });
    expect(onMarker.mock.calls).toEqual([
      [0.5, "make build"],
      [3.25, "make deploy"],
    ]);
    expect(driver.getCurrentTime()).toBe(3.25);
  });

  it("ignores anything before the header and lines that are not events", () => {
    const { dispatch, ws } = start();
    sendLine(ws, [0.1, "o", "too early"]);
    ws.onmessage?.(new MessageEvent("message", { data: "not json" }));
    sendLine(ws, HEADER);
    sendLine(ws, { what: "is this" });
    sendLine(ws, [0.2, "r", "garbage"]);
    expect(dispatch).not.toHaveBeenCalledWith("output", "too early");
    expect(dispatch).not.toHaveBeenCalledWith("resize", expect.anything());
  });

  it("ends when the server closes normally (the recording finished)", () => {
    const onFinished = vi.fn();
    const { dispatch, ws } = start({ onFinished });
    sendLine(ws, HEADER);
    ws.serverClose(1000);
    expect(dispatch).toHaveBeenCalledWith("ended", { message: "Recording finished" });
    expect(onFinished).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it("reconnects after an unexpected close and starts the terminal afresh from the new header", () => {
    const { dispatch, ws } = start({ retryDelay: () => 500 });
    sendLine(ws, HEADER);
    sendLine(ws, [1, "m", "make build"]);
    ws.serverClose(1013);
    expect(dispatch).toHaveBeenCalledWith("loading");
    vi.advanceTimersByTime(500);
    expect(FakeWebSocket.instances).toHaveLength(2);
    const again = FakeWebSocket.latest();
    again.open();
    dispatch.mockClear();
    sendLine(again, HEADER);
    sendLine(again, [1, "m", "make build"]);
    expect(dispatch.mock.calls.map((c) => c[0])).toEqual(["reset", "playing", "marker"]);
    expect(dispatch).toHaveBeenCalledWith("marker", { index: 0, time: 1, label: "make build" });
  });

  it("closes its socket and stops retrying when the player is disposed", () => {
    const { driver, ws } = start();
    driver.stop();
    expect(ws.closedWith).not.toBeNull();
    ws.serverClose(1006);
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});

describe("live helpers", () => {
  it("builds the live URL on this origin", () => {
    expect(liveRecordingUrl("rec_1", { protocol: "https:", host: "gate.example" })).toBe("wss://gate.example/api/v1/recordings/rec_1/live");
    expect(liveRecordingUrl("rec 2", { protocol: "http:", host: "127.0.0.1:8000" })).toBe("ws://127.0.0.1:8000/api/v1/recordings/rec%202/live");
  });

  it("reads terminal sizes", () => {
    expect(parseSize("80x24")).toEqual({ cols: 80, rows: 24 });
    expect(parseSize("80 x 24")).toBeNull();
    expect(parseSize(42)).toBeNull();
  });
});
