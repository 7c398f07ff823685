import { useEffect, useId, useMemo, useRef, useState } from "react";
import { asApiError, type RecordingDetail } from "../api";
import { formatClock, speedLabel, SPEEDS, spokenClock } from "./format";
import { liveRecordingUrl } from "./liveDriver";
import { MarkerList } from "./MarkerList";
import { getCast } from "./recordingsApi";
import type { PlayerSource } from "./terminalPlayer";
import { useTerminalPlayer } from "./useTerminalPlayer";

type Cast = { status: "loading" } | { status: "error"; message: string } | { status: "ready"; cast: string };

export interface RecordingPlayerProps {
  recording: RecordingDetail;
  /** Open at this command's marker (`?command=` from a command's page). */
  startCommand?: string | null;
  /** While live: a new command started, or the recording finished (reload the details). */
  onLiveChange?: () => void;
  WebSocketImpl?: typeof WebSocket;
}

/** The terminal, our controls under it, and the recording's commands beside it. */
export function RecordingPlayer({ recording, startCommand, onLiveChange, WebSocketImpl }: RecordingPlayerProps) {
  const live = recording.status === "live";
  const cast = useCast(recording.id, live);
  const [speed, setSpeed] = useState(1);
  const container = useRef<HTMLDivElement>(null);
  const speedId = useId();
  const liveChange = useRef(onLiveChange);
  useEffect(() => {
    liveChange.current = onLiveChange;
  }, [onLiveChange]);

  const source = useMemo<PlayerSource | null>(() => {
    if (live) {
      return {
        kind: "live",
        url: liveRecordingUrl(recording.id),
        onFinished: () => liveChange.current?.(),
        onMarker: () => liveChange.current?.(),
        WebSocketImpl,
      };
    }
    return cast.status === "ready" ? { kind: "cast", cast: cast.cast } : null;
  }, [live, recording.id, cast, WebSocketImpl]);

  const startAt = recording.markers.find((m) => m.command_id === startCommand)?.time ?? 0;
  const view = useTerminalPlayer(container, source, { speed, cols: recording.width, rows: recording.height, startAt });
  const duration = view.duration ?? recording.duration_seconds;
  const position = Math.min(view.time, duration);

  return (
    <div className="rec-stage" data-current-time={view.time.toFixed(3)}>
      <div className="rec-screen">
        <div ref={container} className="rec-terminal" role="region" aria-label="Terminal" aria-busy={!view.player} />
        {cast.status === "loading" && !live && (
          <p role="status" className="rec-screen__msg">
            Loading recording…
          </p>
        )}
        {cast.status === "error" && (
          <p role="alert" className="notice notice--error">
            Could not load the recording: {cast.message}
          </p>
        )}
        {view.error && (
          <p role="alert" className="notice notice--error">
            The player could not start: {view.error}
          </p>
        )}
        {live ? (
          <p className="rec-live-note" role="status">
            <span className="badge badge--danger rec-live">
              <span aria-hidden="true">●</span> Live
            </span>{" "}
            Following the agent’s terminal as it runs. Replay, speed and seeking are available once the recording finishes.
          </p>
        ) : (
          <div className="rec-controls" role="group" aria-label="Playback">
            <button type="button" className="btn btn--small rec-controls__play" onClick={view.togglePlay} disabled={!view.player}>
              <span aria-hidden="true">{view.state === "playing" ? "⏸" : "▶"}</span> {view.state === "playing" ? "Pause" : "Play"}
            </button>
            <input
              type="range"
              className="rec-controls__seek"
              aria-label="Position"
              min={0}
              max={Math.max(duration, 0.1)}
              step="any"
              value={position}
              aria-valuetext={`${spokenClock(position)} of ${spokenClock(duration)}`}
              disabled={!view.player}
              onChange={(e) => view.seek(Number(e.target.value))}
            />
            <span className="rec-controls__time" aria-hidden="true">
              {formatClock(position)} / {formatClock(duration)}
            </span>
            <label htmlFor={speedId} className="rec-controls__speed">
              Speed
            </label>
            <select id={speedId} className="select select--small" value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
              {SPEEDS.map((s) => (
                <option key={s} value={s}>
                  {speedLabel(s)}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      <section className="rec-side" aria-labelledby="rec-markers-title">
        <h2 id="rec-markers-title">Commands ({recording.markers.length})</h2>
        <MarkerList markers={recording.markers} time={view.time} onSeek={live ? undefined : view.seek} />
      </section>
    </div>
  );
}

/** The asciicast text of a finished recording (a live one is followed over its WebSocket instead). */
function useCast(id: string, live: boolean): Cast {
  const [cast, setCast] = useState<Cast>({ status: "loading" });
  useEffect(() => {
    if (live) return;
    const controller = new AbortController();
    setCast({ status: "loading" });
    getCast(id, controller.signal)
      .then((text) => setCast({ status: "ready", cast: text }))
      .catch((error: unknown) => !controller.signal.aborted && setCast({ status: "error", message: asApiError(error).message }));
    return () => controller.abort();
  }, [id, live]);
  return cast;
}
