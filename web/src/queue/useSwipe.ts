import { useCallback, useEffect, useRef, useState, type PointerEvent as ReactPointerEvent } from "react";
import { gestureAxis, swipeOutcome, type SwipeOutcome } from "./swipe";

export const PHONE_QUERY = "(max-width: 640px)";

export function usePhoneLayout(): boolean {
  const [phone, setPhone] = useState(() => typeof window.matchMedia === "function" && window.matchMedia(PHONE_QUERY).matches);
  useEffect(() => {
    if (typeof window.matchMedia !== "function") return;
    const mq = window.matchMedia(PHONE_QUERY);
    const onChange = () => setPhone(mq.matches);
    mq.addEventListener("change", onChange);
    return () => mq.removeEventListener("change", onChange);
  }, []);
  return phone;
}

interface Gesture {
  id: number;
  x: number;
  y: number;
  axis: "horizontal" | "vertical" | null;
}

/**
 * Touch swipe on a card: it follows the finger horizontally and reports an
 * outcome when released past the threshold. Mouse drags are ignored (desktop
 * has buttons and keys) and so are gestures that start on a control.
 */
export function useSwipe(enabled: boolean, onSwipe: (outcome: Exclude<SwipeOutcome, null>) => void) {
  const [dx, setDx] = useState(0);
  const gesture = useRef<Gesture | null>(null);

  const reset = useCallback(() => {
    gesture.current = null;
    setDx(0);
  }, []);

  const onPointerDown = (e: ReactPointerEvent<HTMLElement>) => {
    if (!enabled || e.pointerType === "mouse" || !e.isPrimary) return;
    if ((e.target as HTMLElement).closest("button, a, input, textarea, select, label, summary")) return;
    gesture.current = { id: e.pointerId, x: e.clientX, y: e.clientY, axis: null };
  };

  const onPointerMove = (e: ReactPointerEvent<HTMLElement>) => {
    const g = gesture.current;
    if (!g || g.id !== e.pointerId) return;
    const moveX = e.clientX - g.x;
    const moveY = e.clientY - g.y;
    if (g.axis === null) {
      g.axis = gestureAxis(moveX, moveY);
      if (g.axis === "horizontal") e.currentTarget.setPointerCapture?.(e.pointerId);
    }
    if (g.axis === "vertical") {
      gesture.current = null;
      return;
    }
    if (g.axis === "horizontal") setDx(moveX);
  };

  const onPointerUp = (e: ReactPointerEvent<HTMLElement>) => {
    const g = gesture.current;
    if (!g || g.id !== e.pointerId) return;
    const outcome = g.axis === "horizontal" ? swipeOutcome(e.clientX - g.x, e.currentTarget.getBoundingClientRect().width) : null;
    reset();
    if (outcome) onSwipe(outcome);
  };

  return {
    dx,
    swiping: dx !== 0,
    handlers: { onPointerDown, onPointerMove, onPointerUp, onPointerCancel: reset },
  };
}
