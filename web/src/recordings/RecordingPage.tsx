import { useCallback, useEffect, useRef, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { asApiError, type ApiError, type RecordingDetail } from "../api";
import { formatDateTime } from "../history/format";
import { InertText } from "../ui/InertText";
import { formatBytes, formatClock } from "./format";
import { RecordingStatusBadge, TruncatedBadge } from "./RecordingBadges";
import { RecordingPlayer } from "./RecordingPlayer";
import { castDownloadUrl, getRecording } from "./recordingsApi";
import "../history/history.css";
import "./recordings.css";

type Load = { status: "loading" } | { status: "missing" } | { status: "error"; error: ApiError } | { status: "ready"; recording: RecordingDetail };

/** While live, new markers are fetched at most this often. */
const LIVE_REFRESH_MS = 1000;

/** One recording: the player with its commands, and what is known about it. */
export function RecordingPage({ WebSocketImpl }: { WebSocketImpl?: typeof WebSocket } = {}) {
  const { id = "" } = useParams();
  const [params] = useSearchParams();
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);
  const [version, setVersion] = useState(0);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    setLoad({ status: "loading" });
  }, [id]);

  useEffect(() => {
    const controller = new AbortController();
    getRecording(id, controller.signal)
      .then((recording) => setLoad({ status: "ready", recording }))
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        const err = asApiError(error);
        // A refresh that fails keeps what is shown; only a first load shows the error.
        setLoad((prev) => (prev.status === "ready" ? prev : err.status === 404 ? { status: "missing" } : { status: "error", error: err }));
      });
    return () => controller.abort();
  }, [id, attempt, version]);

  useEffect(() => () => clearTimeout(refreshTimer.current), []);

  // Live: a new command marker or the end of the recording means new details (markers, exit codes, status).
  const onLiveChange = useCallback(() => {
    if (refreshTimer.current !== undefined) return;
    refreshTimer.current = setTimeout(() => {
      refreshTimer.current = undefined;
      setVersion((n) => n + 1);
    }, LIVE_REFRESH_MS);
  }, []);

  if (load.status === "loading") {
    return (
      <p role="status" className="state-msg">
        Loading recording…
      </p>
    );
  }
  if (load.status === "missing") {
    return (
      <div className="state-msg empty">
        <h1 className="empty__title">No such recording</h1>
        <p className="muted">
          There is no recording <code>{id}</code> in your organisation. It may have been mistyped, or removed after the retention period.
        </p>
        <Link to="/recordings" className="btn">
          All recordings
        </Link>
      </div>
    );
  }
  if (load.status === "error") {
    return (
      <div className="state-msg state-msg--error">
        <h1 className="empty__title">Recording {id}</h1>
        <p role="alert">Could not load this recording: {load.error.message}</p>
        <button type="button" className="btn" onClick={() => setAttempt((n) => n + 1)}>
          Try again
        </button>
      </div>
    );
  }

  const { recording } = load;
  return (
    <article className="detail recording" aria-labelledby="recording-title">
      <Link to="/recordings" className="detail__back">
        ← Recordings
      </Link>
      <div className="detail__head">
        <h1 id="recording-title">
          <InertText text={recording.title || recording.id} singleLine max={200} />
        </h1>
        <RecordingStatusBadge status={recording.status} />
        {recording.truncated && <TruncatedBadge />}
        <a className="btn btn--small rec-download" href={castDownloadUrl(recording.id)} download={`${recording.id}.cast`}>
          Download .cast
        </a>
      </div>

      <RecordingPlayer
        // A live recording that finishes is replayed by a new player from its file.
        key={`${recording.id}-${recording.status}`}
        recording={recording}
        startCommand={params.get("command")}
        onLiveChange={onLiveChange}
        WebSocketImpl={WebSocketImpl}
      />

      <section aria-labelledby="recording-facts">
        <h2 id="recording-facts">Overview</h2>
        <RecordingFacts recording={recording} />
      </section>
    </article>
  );
}

function RecordingFacts({ recording }: { recording: RecordingDetail }) {
  return (
    <dl className="facts">
      <dt>Agent</dt>
      <dd>
        <InertText text={recording.agent_name} /> <code className="muted">{recording.agent_id}</code>
      </dd>
      <dt>Session</dt>
      <dd>
        {recording.session_id ? (
          <Link to={`/sessions/${encodeURIComponent(recording.session_id)}`}>
            <code>{recording.session_id}</code>
          </Link>
        ) : (
          <span className="muted">none: a command run outside any session</span>
        )}
      </dd>
      <dt>First command</dt>
      <dd>
        <Link to={`/commands/${encodeURIComponent(recording.command_id)}`}>
          <code>{recording.command_id}</code>
        </Link>
      </dd>
      <dt>Started</dt>
      <dd>
        <time dateTime={recording.started_at}>{formatDateTime(recording.started_at)}</time>
      </dd>
      <dt>Ended</dt>
      <dd>
        {recording.ended_at ? (
          <time dateTime={recording.ended_at}>{formatDateTime(recording.ended_at)}</time>
        ) : (
          <span className="muted">still recording</span>
        )}
      </dd>
      <dt>Duration</dt>
      <dd>{formatClock(recording.duration_seconds)}</dd>
      <dt>Size</dt>
      <dd>
        {formatBytes(recording.bytes)}
        {recording.truncated && <span className="muted"> — reached the size limit; later output was not kept</span>}
      </dd>
      <dt>Terminal</dt>
      <dd>
        {recording.width}×{recording.height}
      </dd>
      <dt>Keystrokes</dt>
      <dd>{recording.input_captured ? "recorded (the organisation records input)" : "not recorded"}</dd>
    </dl>
  );
}
