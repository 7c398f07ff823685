/** Swipe-to-decide on phones, as pure geometry so the thresholds are testable. */
export const SWIPE_THRESHOLD = 0.35;
/** Movement before we decide whether the finger is swiping or scrolling. */
export const SWIPE_SLOP_PX = 10;

export type SwipeOutcome = "approve" | "deny" | null;

/** Right approves, left denies, once the card travelled 35 % of its width. */
export function swipeOutcome(dx: number, width: number, threshold = SWIPE_THRESHOLD): SwipeOutcome {
  if (width <= 0) return null;
  if (dx >= width * threshold) return "approve";
  if (dx <= -width * threshold) return "deny";
  return null;
}

/**
 * Decide the gesture's axis once it moved past the slop: mostly vertical is a
 * scroll and the card must not move at all.
 */
export function gestureAxis(dx: number, dy: number): "horizontal" | "vertical" | null {
  if (Math.abs(dx) < SWIPE_SLOP_PX && Math.abs(dy) < SWIPE_SLOP_PX) return null;
  return Math.abs(dx) > Math.abs(dy) ? "horizontal" : "vertical";
}

/** 0..1: how close the swipe is to deciding, for the tint's strength. */
export function swipeProgress(dx: number, width: number, threshold = SWIPE_THRESHOLD): number {
  if (width <= 0) return 0;
  return Math.min(1, Math.abs(dx) / (width * threshold));
}
