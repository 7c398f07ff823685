import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from "react";
import type { CommandView, ServerFrame } from "../api";
import { useSession } from "../auth/session";
import { usePreference } from "../ui/preferences";
import { AgentSessionCache } from "./agentSessions";
import { beep, notifyPending } from "./alerts";
import { useQueueNotices, type QueueNotice } from "./queueNotices";
import { initialQueueState, queueReducer, waitingCount, type QueueState } from "./queueState";
import { ReviewerSocket, reviewerSocketUrl, type ConnectionState } from "./reviewerSocket";

export interface QueueApi extends QueueState {
  connection: ConnectionState;
  /** Mark a card as being acted on so a concurrent `decided` does not yank it. */
  hold(id: string): void;
  release(id: string): void;
  /** Our decision succeeded: remove the card now. */
  removed(id: string): void;
  /** Our vote was counted but the command still waits (multi-party): replace the card. */
  updated(command: CommandView): void;
  /** Agent sessions the cards show, refetched when the feed says one changed. */
  agentSessions: AgentSessionCache;
  /** Escalations to this reviewer and timeouts, shown briefly outside the cards. */
  notices: QueueNotice[];
  dismissNotice(key: number): void;
  reconnectNow(): void;
  sound: boolean;
  setSound(on: boolean): void;
  notify: boolean;
  setNotify(on: boolean): void;
}

const QueueContext = createContext<QueueApi | null>(null);

export function titleFor(count: number): string {
  return count > 0 ? `(${count}) expacti` : "expacti";
}

export function QueueProvider({ children, WebSocketImpl }: { children: ReactNode; WebSocketImpl?: typeof WebSocket }) {
  const [state, dispatch] = useReducer(queueReducer, initialQueueState);
  const [connection, setConnection] = useState<ConnectionState>({ kind: "connecting", attempt: 0 });
  const { expire } = useSession();
  const [sound, setSound] = usePreference("sound", false);
  const [notify, setNotify] = usePreference("notify", false);
  const socketRef = useRef<ReviewerSocket | null>(null);
  const [agentSessions] = useState(() => new AgentSessionCache());
  const { notices, push: pushNotice, dismiss: dismissNotice } = useQueueNotices();

  // Read through a ref so changing a toggle does not reconnect the socket.
  const alertsRef = useRef({ sound, notify });
  alertsRef.current = { sound, notify };

  useEffect(() => {
    const seen = new Set<string>();
    const sessionChanged = (command: CommandView) => {
      if (command.session_id) agentSessions.invalidate(command.session_id);
    };
    const onFrame = (frame: ServerFrame) => {
      switch (frame.type) {
        case "snapshot":
          dispatch({ type: "snapshot", commands: frame.commands, serverTime: frame.server_time, receivedAt: Date.now() });
          frame.commands.forEach((c) => seen.add(c.id));
          break;
        case "pending":
          dispatch({ type: "pending", command: frame.command });
          sessionChanged(frame.command);
          // The same command is sent again when it changes (a vote, an edit): alert only once.
          if (!seen.has(frame.command.id)) announce(frame.command, alertsRef.current, false);
          seen.add(frame.command.id);
          break;
        case "escalated":
          dispatch({ type: "pending", command: frame.command });
          sessionChanged(frame.command);
          seen.add(frame.command.id);
          announce(frame.command, alertsRef.current, true);
          pushNotice({ kind: "escalated", command: frame.command, tier: frame.tier });
          break;
        case "decided":
          dispatch({ type: "decided", command: frame.command });
          sessionChanged(frame.command);
          seen.delete(frame.command.id);
          if (frame.command.status === "timed_out") pushNotice({ kind: "timed_out", command: frame.command });
          break;
        case "pong":
          break;
      }
    };
    const socket = new ReviewerSocket(
      { url: reviewerSocketUrl(window.location), WebSocket: WebSocketImpl ?? window.WebSocket },
      {
        onFrame,
        onState: (next) => {
          setConnection(next);
          if (next.kind === "unauthorized") expire();
        },
      },
    );
    socketRef.current = socket;
    socket.start();
    return () => {
      socket.stop();
      socketRef.current = null;
    };
  }, [WebSocketImpl, expire, agentSessions, pushNotice]);

  useEffect(() => () => agentSessions.clear(), [agentSessions]);

  const count = waitingCount(state);
  useEffect(() => {
    document.title = titleFor(count);
  }, [count]);
  useEffect(() => () => void (document.title = titleFor(0)), []);

  const hold = useCallback((id: string) => dispatch({ type: "hold", id }), []);
  const release = useCallback((id: string) => dispatch({ type: "release", id }), []);
  const removed = useCallback((id: string) => dispatch({ type: "removed", id }), []);
  const updated = useCallback((command: CommandView) => dispatch({ type: "updated", command }), []);
  const reconnectNow = useCallback(() => socketRef.current?.reconnectNow(), []);

  const value = useMemo<QueueApi>(
    () => ({
      ...state,
      connection,
      hold,
      release,
      removed,
      updated,
      agentSessions,
      notices,
      dismissNotice,
      reconnectNow,
      sound,
      setSound,
      notify,
      setNotify,
    }),
    [state, connection, hold, release, removed, updated, agentSessions, notices, dismissNotice, reconnectNow, sound, setSound, notify, setNotify],
  );
  return <QueueContext.Provider value={value}>{children}</QueueContext.Provider>;
}

function announce(command: CommandView, prefs: { sound: boolean; notify: boolean }, escalated: boolean): void {
  if (prefs.sound) beep(escalated ? 2 : 1);
  if (prefs.notify) {
    notifyPending(command, escalated, () => {
      document.querySelector<HTMLElement>(`[data-command-id="${CSS.escape(command.id)}"]`)?.focus();
    });
  }
}

export function useQueue(): QueueApi {
  const ctx = useContext(QueueContext);
  if (!ctx) throw new Error("useQueue() outside <QueueProvider>");
  return ctx;
}
