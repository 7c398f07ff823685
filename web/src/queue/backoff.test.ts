import { describe, expect, it } from "vitest";
import { BACKOFF_CAP_MS, backoffDelay } from "./backoff";

describe("backoffDelay", () => {
  const mid = () => 0.5; // no jitter: the nominal schedule

  it("doubles from 0.5 s and caps at 10 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, mid))).toEqual([500, 1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it("never exceeds the cap, even with maximum jitter or absurd attempts", () => {
    expect(backoffDelay(5, () => 0.999)).toBeLessThanOrEqual(BACKOFF_CAP_MS);
    expect(backoffDelay(10_000, () => 0.999)).toBe(BACKOFF_CAP_MS);
  });

  it("jitters within ±25 % of the nominal delay", () => {
    expect(backoffDelay(3, () => 0)).toBe(1500);
    expect(backoffDelay(3, () => 1)).toBe(2500);
  });

  it("treats attempt 0 like the first attempt", () => {
    expect(backoffDelay(0, mid)).toBe(500);
  });
});
