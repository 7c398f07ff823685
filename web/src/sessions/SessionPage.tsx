import { useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import { asApiError, type AgentSessionDetail, type ApiError } from "../api";
import { formatDateTime } from "../history/format";
import { SessionSteps } from "../queue/SessionSteps";
import { InertText } from "../ui/InertText";
import { SessionCommandList } from "./SessionCommandList";
import { getSession } from "./sessionsApi";
import { SessionStatus } from "./SessionStatus";
import { SessionRecordings } from "../recordings/SessionRecordings";
import "../history/history.css";
import "./sessions.css";

type Load = { status: "loading" } | { status: "missing" } | { status: "error"; error: ApiError } | { status: "ready"; session: AgentSessionDetail };

/** One agent session: its goal, its plan with the current step, and every command with its decision. */
export function SessionPage() {
  const { id = "" } = useParams();
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setLoad({ status: "loading" });
    getSession(id, controller.signal)
      .then((session) => setLoad({ status: "ready", session }))
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        const err = asApiError(error);
        setLoad(err.status === 404 ? { status: "missing" } : { status: "error", error: err });
      });
    return () => controller.abort();
  }, [id, attempt]);

  if (load.status === "loading") {
    return (
      <p role="status" className="state-msg">
        Loading session…
      </p>
    );
  }
  if (load.status === "missing") {
    return (
      <div className="state-msg empty">
        <h1 className="empty__title">No such session</h1>
        <Link to="/sessions" className="btn">
          All sessions
        </Link>
      </div>
    );
  }
  if (load.status === "error") {
    return (
      <div className="state-msg state-msg--error">
        <h1 className="empty__title">Session</h1>
        <p role="alert">Could not load this session: {load.error.message}</p>
        <button type="button" className="btn" onClick={() => setAttempt((n) => n + 1)}>
          Try again
        </button>
      </div>
    );
  }

  const { session } = load;
  return (
    <article className="detail" aria-labelledby="session-title">
      <Link to="/sessions" className="detail__back">
        ← Sessions
      </Link>
      <div className="detail__head">
        <h1 id="session-title">{session.goal ? <InertText text={session.goal} singleLine /> : `Session ${session.client_id}`}</h1>
        <SessionStatus status={session.status} />
      </div>
      <section aria-labelledby="session-facts">
        <h2 id="session-facts">Overview</h2>
        <dl className="facts">
          <dt>Agent</dt>
          <dd>
            <InertText text={session.agent} />
          </dd>
          <dt>Agent’s session id</dt>
          <dd>
            <code>
              <InertText text={session.client_id} />
            </code>
          </dd>
          <dt>Started</dt>
          <dd>
            <time dateTime={session.created_at}>{formatDateTime(session.created_at)}</time>
          </dd>
          <dt>Last active</dt>
          <dd>
            <time dateTime={session.updated_at}>{formatDateTime(session.updated_at)}</time>
          </dd>
          {session.ended_at && (
            <>
              <dt>Ended</dt>
              <dd>
                <time dateTime={session.ended_at}>{formatDateTime(session.ended_at)}</time>
              </dd>
            </>
          )}
        </dl>
      </section>
      {session.steps.length > 0 && (
        <section aria-labelledby="session-plan">
          <h2 id="session-plan">Plan</h2>
          <SessionSteps session={{ id: session.id, goal: null, steps: session.steps, current_step: session.current_step }} />
        </section>
      )}
      <section aria-labelledby="session-recording">
        <h2 id="session-recording">Terminal recording</h2>
        <SessionRecordings sessionId={session.id} />
      </section>
      <section aria-labelledby="session-commands">
        <h2 id="session-commands">Commands ({session.items.length})</h2>
        {session.items.length === 0 ? (
          <p className="muted">No commands yet.</p>
        ) : (
          <SessionCommandList items={session.items} steps={session.steps} label="Commands of this session, oldest first" />
        )}
      </section>
    </article>
  );
}
