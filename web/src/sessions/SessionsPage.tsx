import { useCallback, useEffect, useState } from "react";
import { Link } from "react-router";
import { asApiError, type AgentSessionSummary, type ApiError } from "../api";
import { formatDateTime, formatShortDateTime } from "../history/format";
import { InertText } from "../ui/InertText";
import { listSessions } from "./sessionsApi";
import { SessionStatus } from "./SessionStatus";
import "../history/history.css";
import "./sessions.css";

type Load =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; items: AgentSessionSummary[]; nextBefore: string | null; more: "idle" | "loading" | ApiError };

function progress(s: AgentSessionSummary): string {
  if (s.steps.length === 0) return "—";
  const at = s.current_step === null ? 0 : Math.min(s.current_step + 1, s.steps.length);
  return `step ${at} of ${s.steps.length}`;
}

/** Agents' sessions, most recently active first: what each set out to do and how far it got. */
export function SessionsPage() {
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    listSessions(null, controller.signal)
      .then((page) => setLoad({ status: "ready", items: page.items, nextBefore: page.next_before, more: "idle" }))
      .catch((error: unknown) => !controller.signal.aborted && setLoad({ status: "error", error: asApiError(error) }));
    return () => controller.abort();
  }, [attempt]);

  const loadMore = useCallback(async () => {
    if (load.status !== "ready" || !load.nextBefore) return;
    setLoad({ ...load, more: "loading" });
    try {
      const page = await listSessions(load.nextBefore);
      setLoad({ status: "ready", items: [...load.items, ...page.items], nextBefore: page.next_before, more: "idle" });
    } catch (error) {
      setLoad({ ...load, more: asApiError(error) });
    }
  }, [load]);

  return (
    <div className="sessions">
      <Link to="/history" className="detail__back">
        ← History
      </Link>
      <h1>Agent sessions</h1>
      <p className="muted">
        An agent groups the commands of one task into a session, with its goal and plan. The newest activity comes first.
      </p>
      {load.status === "loading" && (
        <p role="status" className="state-msg">
          Loading sessions…
        </p>
      )}
      {load.status === "error" && (
        <div className="state-msg state-msg--error">
          <p role="alert">Could not load sessions: {load.error.message}</p>
          <button type="button" className="btn" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </div>
      )}
      {load.status === "ready" && load.items.length === 0 && (
        <div className="state-msg empty">
          <p className="empty__title">No sessions yet</p>
          <p className="muted">They appear when an agent sends a session with its commands.</p>
        </div>
      )}
      {load.status === "ready" && load.items.length > 0 && (
        <>
          <ul className="session-list">
            {load.items.map((s) => (
              <li key={s.id} className="session-row">
                <div className="session-row__head">
                  <SessionStatus status={s.status} />
                  <Link to={`/sessions/${encodeURIComponent(s.id)}`} className="session-row__goal">
                    {s.goal ? <InertText text={s.goal} singleLine max={160} /> : <span>Session {s.client_id}</span>}
                  </Link>
                </div>
                <p className="session-row__meta muted">
                  <InertText text={s.agent} singleLine /> · {s.commands} {s.commands === 1 ? "command" : "commands"} · {progress(s)} ·
                  last active{" "}
                  <time dateTime={s.updated_at} title={formatDateTime(s.updated_at)}>
                    {formatShortDateTime(s.updated_at)}
                  </time>
                </p>
              </li>
            ))}
          </ul>
          {load.more instanceof Error && (
            <p role="alert" className="error-text">
              Could not load more: {load.more.message}
            </p>
          )}
          {load.nextBefore && (
            <div className="history__more">
              <button type="button" className="btn" disabled={load.more === "loading"} onClick={() => void loadMore()}>
                {load.more === "loading" ? "Loading…" : "Load more"}
              </button>
            </div>
          )}
        </>
      )}
    </div>
  );
}
