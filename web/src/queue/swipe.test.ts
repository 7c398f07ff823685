import { describe, expect, it } from "vitest";
import { gestureAxis, swipeOutcome, swipeProgress } from "./swipe";

describe("swipeOutcome", () => {
  it("approves right and denies left at 35 % of the width", () => {
    expect(swipeOutcome(140, 400)).toBe("approve");
    expect(swipeOutcome(-140, 400)).toBe("deny");
  });

  it("does nothing below the threshold", () => {
    expect(swipeOutcome(139, 400)).toBeNull();
    expect(swipeOutcome(-139, 400)).toBeNull();
    expect(swipeOutcome(0, 400)).toBeNull();
  });

  it("does nothing on a card without width", () => {
    expect(swipeOutcome(500, 0)).toBeNull();
  });
});

describe("gestureAxis", () => {
  it("waits for the slop before deciding", () => {
    expect(gestureAxis(5, 3)).toBeNull();
  });

  it("tells a swipe from a scroll", () => {
    expect(gestureAxis(30, 8)).toBe("horizontal");
    expect(gestureAxis(8, 30)).toBe("vertical");
  });
});

describe("swipeProgress", () => {
  it("grows to 1 at the threshold and stays there", () => {
    expect(swipeProgress(70, 400)).toBeCloseTo(0.5);
    expect(swipeProgress(-300, 400)).toBe(1);
  });
});
