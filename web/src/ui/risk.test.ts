import { describe, expect, it } from "vitest";
import { HIGH_RISK, riskBand } from "./risk";

describe("riskBand", () => {
  it("uses the server's bands on every screen: low < 40 <= medium < 70 <= high", () => {
    expect([0, 39, 40, 69, 70, 100].map(riskBand)).toEqual(["low", "low", "medium", "medium", "high", "high"]);
    expect(HIGH_RISK).toBe(70);
  });
});
