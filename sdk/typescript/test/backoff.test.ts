/** Retry delays: exponential backoff with full jitter, bounded. */

import { describe, expect, it } from "vitest";

import { backoffDelay } from "../src/backoff.js";

describe("backoffDelay", () => {
  it("does not wait before the first retry", () => {
    expect(backoffDelay(0, 5)).toBe(0);
  });

  it("doubles its ceiling per failure from 0.1 s, up to the cap", () => {
    const top = (failures: number): number => backoffDelay(failures, 5, 0.1, () => 1);
    expect([1, 2, 3, 4].map(top)).toEqual([0.1, 0.2, 0.4, 0.8]);
    expect(top(10)).toBe(5);
    expect(top(10_000)).toBe(5); // a long outage cannot overflow
  });

  it("picks uniformly below the ceiling, so clients do not come back together", () => {
    expect(backoffDelay(3, 5, 0.1, () => 0)).toBe(0);
    expect(backoffDelay(3, 5, 0.1, () => 0.5)).toBeCloseTo(0.2);
    for (let i = 0; i < 100; i++) expect(backoffDelay(5, 1)).toBeLessThan(1);
  });
});
