/**
 * Short-lived notices about the queue that are not a card: a command escalated
 * to this reviewer's tier, or one that timed out (every reviewer is told).
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { CommandView } from "../api";

export type QueueNoticeKind = "escalated" | "timed_out";

export interface QueueNotice {
  key: number;
  kind: QueueNoticeKind;
  command: CommandView;
  /** The tier it was escalated to ("senior", "admin"). */
  tier?: string;
}

/** How long a notice stays before it goes by itself. */
export const NOTICE_MS: Record<QueueNoticeKind, number> = { escalated: 20_000, timed_out: 8_000 };
/** More than this at once is noise: the oldest go first. */
const MAX_NOTICES = 4;

export function useQueueNotices() {
  const [notices, setNotices] = useState<QueueNotice[]>([]);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());
  const next = useRef(0);

  const dismiss = useCallback((key: number) => {
    clearTimeout(timers.current.get(key));
    timers.current.delete(key);
    setNotices((list) => list.filter((n) => n.key !== key));
  }, []);

  const push = useCallback(
    (notice: Omit<QueueNotice, "key">) => {
      const key = (next.current += 1);
      // One notice per command and kind: a repeated frame replaces, never stacks.
      setNotices((list) => [
        ...list.filter((n) => !(n.command.id === notice.command.id && n.kind === notice.kind)).slice(-(MAX_NOTICES - 1)),
        { ...notice, key },
      ]);
      timers.current.set(
        key,
        setTimeout(() => dismiss(key), NOTICE_MS[notice.kind]),
      );
    },
    [dismiss],
  );

  useEffect(() => {
    const pending = timers.current;
    return () => pending.forEach((timer) => clearTimeout(timer));
  }, []);

  return { notices, push, dismiss };
}
