import { describe, expect, it } from "vitest";
import { formatRemaining, isUrgent, remainingMs, spokenRemaining } from "./countdown";

const expires = "2030-01-01T00:01:00Z";
const expiresMs = Date.parse(expires);

describe("remainingMs", () => {
  it("is the distance to expires_at on a correct clock", () => {
    expect(remainingMs(expires, expiresMs - 60_000, 0)).toBe(60_000);
  });

  it("corrects a browser clock that runs 5 s behind the server", () => {
    // Browser says T-65s, but the server is 5 s ahead: really T-60s.
    expect(remainingMs(expires, expiresMs - 65_000, 5_000)).toBe(60_000);
  });

  it("corrects a browser clock that runs ahead", () => {
    expect(remainingMs(expires, expiresMs - 50_000, -10_000)).toBe(60_000);
  });

  it("never goes negative and survives a bad timestamp", () => {
    expect(remainingMs(expires, expiresMs + 5_000, 0)).toBe(0);
    expect(remainingMs("not a date", 0, 0)).toBe(0);
  });
});

describe("formatting", () => {
  it("formats minutes and seconds, rounding up", () => {
    expect(formatRemaining(65_000)).toBe("1:05");
    expect(formatRemaining(9_001)).toBe("0:10");
    expect(formatRemaining(0)).toBe("0:00");
    expect(formatRemaining(3_723_000)).toBe("1:02:03");
  });

  it("turns urgent under 10 seconds", () => {
    expect(isUrgent(10_000)).toBe(false);
    expect(isUrgent(9_999)).toBe(true);
  });

  it("has a spoken form", () => {
    expect(spokenRemaining(65_000)).toBe("1 minute 5 seconds left");
    expect(spokenRemaining(1_000)).toBe("1 second left");
    expect(spokenRemaining(120_000)).toBe("2 minutes left");
    expect(spokenRemaining(0)).toBe("time is up");
  });
});
