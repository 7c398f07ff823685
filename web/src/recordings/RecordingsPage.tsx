import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { asApiError, type ApiError, type RecordingListQuery, type RecordingSummary } from "../api";
import { formatDateTime, formatShortDateTime } from "../history/format";
import { InertText } from "../ui/InertText";
import { formatBytes, formatClock } from "./format";
import { RecordingStatusBadge, TruncatedBadge } from "./RecordingBadges";
import { listRecordings } from "./recordingsApi";
import "../history/history.css";
import "./recordings.css";

type Load =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; items: RecordingSummary[]; nextBefore: string | null; more: "idle" | "loading" | ApiError };

/** The filters the list understands, read from the URL (`?session_id=…` from a session page). */
const FILTERS = [
  ["session_id", "session"],
  ["agent_id", "agent"],
  ["command_id", "command"],
] as const;

function queryFrom(params: URLSearchParams): RecordingListQuery {
  const query: RecordingListQuery = {};
  for (const [key] of FILTERS) {
    const value = params.get(key);
    if (value) query[key] = value;
  }
  return query;
}

/** Terminal recordings of approved commands, newest first. */
export function RecordingsPage() {
  const [params] = useSearchParams();
  const query = queryFrom(params);
  const key = JSON.stringify(query);
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);
  // A slow "load more" must not append to the list of other filters.
  const generation = useRef(0);

  useEffect(() => {
    const controller = new AbortController();
    const mine = ++generation.current;
    setLoad({ status: "loading" });
    listRecordings(JSON.parse(key) as RecordingListQuery, controller.signal)
      .then((page) => mine === generation.current && setLoad({ status: "ready", items: page.items, nextBefore: page.next_before, more: "idle" }))
      .catch((error: unknown) => !controller.signal.aborted && setLoad({ status: "error", error: asApiError(error) }));
    return () => controller.abort();
  }, [key, attempt]);

  const loadMore = useCallback(async () => {
    if (load.status !== "ready" || !load.nextBefore) return;
    const mine = generation.current;
    setLoad({ ...load, more: "loading" });
    try {
      const page = await listRecordings({ ...(JSON.parse(key) as RecordingListQuery), before: load.nextBefore });
      if (mine === generation.current) {
        setLoad({ status: "ready", items: [...load.items, ...page.items], nextBefore: page.next_before, more: "idle" });
      }
    } catch (error) {
      if (mine === generation.current) setLoad({ ...load, more: asApiError(error) });
    }
  }, [load, key]);

  const filter = FILTERS.find(([name]) => query[name]);

  return (
    <div className="recordings">
      <h1>Recordings</h1>
      <p className="muted">
        What each approved command printed on the agent’s terminal, one recording per agent session, newest first. A live recording is
        still being written.
      </p>
      {filter && (
        <p className="notice rec-filter">
          Recordings of {filter[1]} <code>{query[filter[0]]}</code> · <Link to="/recordings">Show all recordings</Link>
        </p>
      )}
      {load.status === "loading" && (
        <p role="status" className="state-msg">
          Loading recordings…
        </p>
      )}
      {load.status === "error" && (
        <div className="state-msg state-msg--error">
          <p role="alert">Could not load recordings: {load.error.message}</p>
          <button type="button" className="btn" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </div>
      )}
      {load.status === "ready" && load.items.length === 0 && (
        <div className="state-msg empty">
          <p className="empty__title">No recordings yet</p>
          <p className="muted">A recording starts when an agent runs an approved command with an SDK that records its terminal.</p>
        </div>
      )}
      {load.status === "ready" && load.items.length > 0 && (
        <>
          <RecordingsTable items={load.items} />
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

function RecordingsTable({ items }: { items: RecordingSummary[] }) {
  return (
    <table className="rec-table">
      <caption className="visually-hidden">Recordings, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Recording</th>
          <th scope="col">Agent</th>
          <th scope="col">Started</th>
          <th scope="col">Duration</th>
          <th scope="col">Status</th>
          <th scope="col">Size</th>
        </tr>
      </thead>
      <tbody>
        {items.map((r) => (
          <tr key={r.id}>
            <td className="rec-table__title" data-label="Recording">
              <Link to={`/recordings/${encodeURIComponent(r.id)}`} className="cmd-link">
                <code>
                  <InertText text={r.title || r.id} singleLine max={160} />
                </code>
              </Link>
              <span className="muted rec-table__count">
                {r.commands} {r.commands === 1 ? "command" : "commands"}
              </span>
            </td>
            <td data-label="Agent">
              <InertText text={r.agent_name} singleLine />
            </td>
            <td data-label="Started">
              <time dateTime={r.started_at} title={formatDateTime(r.started_at)}>
                {formatShortDateTime(r.started_at)}
              </time>
            </td>
            <td data-label="Duration">{formatClock(r.duration_seconds)}</td>
            <td data-label="Status">
              <span className="rec-badges">
                <RecordingStatusBadge status={r.status} />
                {r.truncated && <TruncatedBadge />}
              </span>
            </td>
            <td data-label="Size">{formatBytes(r.bytes)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
