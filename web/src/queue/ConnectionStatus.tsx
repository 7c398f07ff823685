import { useQueue } from "./QueueProvider";
import type { ConnectionState } from "./reviewerSocket";

export function connectionLabel(state: ConnectionState): string {
  switch (state.kind) {
    case "connecting":
      return state.attempt > 0 ? `Reconnecting… (attempt ${state.attempt})` : "Connecting…";
    case "live":
      return state.recovered ? "Live (reconnected)" : "Live";
    case "reconnecting":
      return `Reconnecting… (attempt ${state.attempt})`;
    case "offline":
      return "Offline — will reconnect when the network is back";
    case "unauthorized":
      return "Signed out";
    case "refused":
      return `Offline — ${state.reason}`;
  }
}

type Tone = "ok" | "warn" | "bad";
function toneOf(state: ConnectionState): Tone {
  if (state.kind === "live") return "ok";
  if (state.kind === "connecting" || state.kind === "reconnecting") return "warn";
  return "bad";
}

export function ConnectionStatus() {
  const { connection, reconnectNow } = useQueue();
  const tone = toneOf(connection);
  return (
    <span className={`conn conn--${tone}`}>
      <span className="conn__dot" aria-hidden="true" />
      <span role="status" aria-live="polite" data-testid="connection-status" className="conn__text">
        {connectionLabel(connection)}
      </span>
      {connection.kind === "reconnecting" && (
        <button type="button" className="btn btn--ghost btn--small" onClick={reconnectNow}>
          Retry now
        </button>
      )}
    </span>
  );
}
