import { useEffect, useState } from "react";
import { Link } from "react-router";
import { asApiError, type RecordingSummary } from "../api";
import { formatBytes, formatClock } from "./format";
import { RecordingStatusBadge, TruncatedBadge } from "./RecordingBadges";
import { listRecordings } from "./recordingsApi";
import "./recordings.css";

type Load = { status: "loading" } | { status: "error"; message: string } | { status: "ready"; items: RecordingSummary[] };

/** The recording(s) of one agent session, for the session page. */
export function SessionRecordings({ sessionId }: { sessionId: string }) {
  const [load, setLoad] = useState<Load>({ status: "loading" });

  useEffect(() => {
    const controller = new AbortController();
    listRecordings({ session_id: sessionId, limit: 10 }, controller.signal)
      .then((page) => setLoad({ status: "ready", items: page.items }))
      .catch((error: unknown) => !controller.signal.aborted && setLoad({ status: "error", message: asApiError(error).message }));
    return () => controller.abort();
  }, [sessionId]);

  if (load.status === "loading") return <p role="status">Looking for a recording…</p>;
  if (load.status === "error") {
    return (
      <p role="alert" className="error-text">
        Could not look for recordings: {load.message}
      </p>
    );
  }
  if (load.items.length === 0) {
    return <p className="muted">None: the agent did not record its terminal in this session.</p>;
  }
  return (
    <ul className="rec-links">
      {load.items.map((r) => (
        <li key={r.id}>
          <Link to={`/recordings/${encodeURIComponent(r.id)}`}>
            {r.status === "live" ? "Watch live" : "Watch the recording"} <span className="visually-hidden">{r.id}</span>
          </Link>{" "}
          <RecordingStatusBadge status={r.status} /> {r.truncated && <TruncatedBadge />}{" "}
          <span className="muted">
            {formatClock(r.duration_seconds)} · {r.commands} {r.commands === 1 ? "command" : "commands"} · {formatBytes(r.bytes)}
          </span>
        </li>
      ))}
    </ul>
  );
}
