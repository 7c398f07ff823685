import { Link } from "react-router";
import type { RecordingMarker } from "../api";
import { InertText } from "../ui/InertText";
import { formatClock } from "./format";

function ExitStatus({ marker }: { marker: RecordingMarker }) {
  if (!marker.finished) {
    return (
      <span className="badge badge--pending">
        <span aria-hidden="true">◷</span> running
      </span>
    );
  }
  if (marker.exit_code === null) return <span className="badge badge--neutral">no exit code</span>;
  return marker.exit_code === 0 ? (
    <span className="badge badge--approved">
      <span aria-hidden="true">✓</span> exit 0
    </span>
  ) : (
    <span className="badge badge--denied">
      <span aria-hidden="true">✕</span> exit {marker.exit_code}
    </span>
  );
}

/** The marker playing now: the last one at or before `time`. */
export function currentMarker(markers: RecordingMarker[], time: number): number {
  let index = -1;
  markers.forEach((m, i) => {
    if (m.time <= time + 0.001) index = i;
  });
  return index;
}

/**
 * The commands of a recording, in order, each with how it ended. With `onSeek`
 * (a replay) each is a button that jumps the player to where the command
 * started; while live they are only listed.
 */
export function MarkerList({ markers, time, onSeek }: { markers: RecordingMarker[]; time: number; onSeek?: (seconds: number) => void }) {
  if (markers.length === 0) return <p className="muted">No commands recorded yet.</p>;
  const active = onSeek ? currentMarker(markers, time) : -1;
  return (
    <ol className="rec-markers" aria-label="Commands in this recording">
      {markers.map((m, i) => {
        const label = (
          <>
            <span className="rec-marker__time">{formatClock(m.time)}</span>{" "}
            <code className="rec-marker__label">
              <InertText text={m.label} singleLine max={200} />
            </code>
          </>
        );
        return (
          <li key={`${m.command_id}-${i}`} className="rec-marker" aria-current={i === active ? "true" : undefined}>
            {onSeek ? (
              <button type="button" className="rec-marker__jump" onClick={() => onSeek(m.time)}>
                <span className="visually-hidden">Jump to</span> {label}
              </button>
            ) : (
              <span className="rec-marker__jump">{label}</span>
            )}
            <span className="rec-marker__meta">
              <ExitStatus marker={m} />
              {m.command_id && (
                <Link to={`/commands/${encodeURIComponent(m.command_id)}`} className="rec-marker__cmd">
                  <span className="visually-hidden">Command</span> <code>{m.command_id}</code>
                </Link>
              )}
            </span>
          </li>
        );
      })}
    </ol>
  );
}
