import { useCallback, useEffect, useSyncExternalStore } from "react";
import type { AgentSessionLoad } from "./agentSessions";
import { useQueue } from "./QueueProvider";

const IDLE: AgentSessionLoad = { status: "idle" };
const NOTHING = () => () => undefined;

/**
 * A stored agent session, fetched only while `enabled` (the card's session
 * history is open) and kept fresh by the reviewer feed while it is shown.
 */
export function useAgentSession(id: string | null, enabled: boolean): AgentSessionLoad & { retry(): void } {
  const { agentSessions } = useQueue();
  const subscribe = useCallback(
    (listener: () => void) => (id && enabled ? agentSessions.subscribe(id, listener) : NOTHING()),
    [agentSessions, id, enabled],
  );
  const load = useSyncExternalStore(subscribe, () => (id ? agentSessions.get(id) : IDLE));
  useEffect(() => {
    if (id && enabled) agentSessions.load(id);
  }, [agentSessions, id, enabled]);
  const retry = useCallback(() => id && agentSessions.load(id), [agentSessions, id]);
  return { ...load, retry };
}
