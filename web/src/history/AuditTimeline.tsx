import { Link } from "react-router";
import type { AuditTrail } from "../api";
import { formatDateTime, formatDuration, formatOffset } from "./format";
import { InertText } from "../ui/InertText";
import { buildTimeline } from "./timeline";

export function AuditTimeline({ trail, createdAt }: { trail: AuditTrail; createdAt: string }) {
  const entries = buildTimeline(trail.items, createdAt);
  return (
    <>
      {entries.length === 0 ? (
        <p className="muted">The audit log holds no events for this command.</p>
      ) : (
        <ol className="timeline" aria-label="Audit events, oldest first">
          {entries.map((entry) => (
            <li key={entry.id}>
              <span className="timeline__offset" title="Time since submission">
                {formatOffset(entry.offsetMs)}
              </span>
              <span>
                <span className="timeline__title">{entry.title}</span>
                <span className="timeline__meta">
                  <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
                  {entry.ruleId && (
                    <>
                      {" · "}
                      <Link to={`/whitelist?rule=${encodeURIComponent(entry.ruleId)}`}>rule {entry.ruleId}</Link>
                    </>
                  )}
                </span>
                {entry.note && (
                  <span className="timeline__meta">
                    Note: <InertText text={entry.note} />
                  </span>
                )}
              </span>
            </li>
          ))}
        </ol>
      )}
      <p className="timeline__latency">
        Decision latency: <strong>{trail.latency_ms === null ? "not decided yet" : formatDuration(trail.latency_ms)}</strong>
      </p>
    </>
  );
}
