import type { RecordingSummary } from "../api";

/** Live or finished, as a word and a shape; colour only reinforces it. */
export function RecordingStatusBadge({ status }: { status: RecordingSummary["status"] }) {
  return status === "live" ? (
    <span className="badge badge--danger rec-live">
      <span aria-hidden="true">●</span> Live
    </span>
  ) : (
    <span className="badge badge--neutral">
      <span aria-hidden="true">■</span> Finished
    </span>
  );
}

/** The recording reached the size cap: what followed was not kept. */
export function TruncatedBadge() {
  return (
    <span className="badge badge--warn" title="The recording reached the size limit; later output was not kept">
      <span aria-hidden="true">✂</span> Truncated
    </span>
  );
}
