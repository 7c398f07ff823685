import { describe, expect, it } from "vitest";
import { decidedBy, formatDuration, formatOffset } from "./format";

describe("formatting", () => {
  it("reads durations at the scale that matters", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(0.42)).toBe("0 ms");
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(12_345)).toBe("12.3 s");
    expect(formatDuration(60_000)).toBe("1 min");
    expect(formatDuration(245_000)).toBe("4 min 5 s");
    expect(formatDuration(7_380_000)).toBe("2 h 3 min");
    expect(formatOffset(0)).toBe("+0 ms");
  });

  it("names the decider in the history's words", () => {
    expect(decidedBy({ status: "approved", whitelisted: true, reviewer: null })).toBe("whitelist");
    expect(decidedBy({ status: "denied", whitelisted: false, reviewer: "alice" })).toBe("alice");
    expect(decidedBy({ status: "timed_out", whitelisted: false, reviewer: null })).toBe("system");
    expect(decidedBy({ status: "pending", whitelisted: false, reviewer: null })).toBeNull();
  });
});
