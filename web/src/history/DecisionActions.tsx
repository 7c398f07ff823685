import { useState } from "react";
import { api, call, ApiError, type AlreadyDecidedDetails, type CommandView } from "../api";
import { statusLabel } from "./format";
import { refusalText } from "../queue/decisions";

interface Props {
  command: CommandView;
  onDecided(command: CommandView): void;
  /** Someone else decided first: the page shows `message` and reloads what it shows. */
  onConflict(message: string): void;
  /** Why Approve is refused (an encrypted command this browser cannot read); Deny stays. */
  approveBlocked?: string | null;
}

/** "Already denied by alice": a lost race is news, never a success. */
export function alreadyDecidedMessage(error: ApiError): string {
  const details = error.detailsAs<AlreadyDecidedDetails>();
  const decision = details.decision ? statusLabel(details.decision).toLowerCase() : "decided";
  return details.reviewer ? `Already ${decision} by ${details.reviewer}` : `Already ${decision}`;
}

export function DecisionActions({ command, onDecided, onConflict, approveBlocked = null }: Props) {
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState<"approve" | "deny" | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  async function decide(kind: "approve" | "deny") {
    setBusy(kind);
    setProblem(null);
    const body = note.trim() ? { note: note.trim() } : {};
    const params = { path: { command_id: command.id } };
    try {
      const updated =
        kind === "approve"
          ? await call(api.POST("/api/v1/commands/{command_id}/approve", { params, body }))
          : await call(api.POST("/api/v1/commands/{command_id}/deny", { params, body }));
      onDecided(updated);
    } catch (error) {
      if (error instanceof ApiError && error.code === "already_decided") {
        onConflict(alreadyDecidedMessage(error));
      } else {
        setProblem(error instanceof ApiError ? (refusalText(error) ?? error.message) : String(error));
      }
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="decide">
      <label className="field-label" htmlFor="decide-note">
        Note (optional)
      </label>
      <textarea
        id="decide-note"
        className="textarea"
        rows={2}
        value={note}
        onChange={(e) => setNote(e.target.value)}
        placeholder="Why, for the audit log"
      />
      <div className="decide__buttons">
        <button
          type="button"
          className="btn btn--approve"
          disabled={busy !== null || approveBlocked !== null}
          title={approveBlocked ?? undefined}
          onClick={() => void decide("approve")}
        >
          {busy === "approve" ? "Approving…" : "Approve"}
        </button>
        <button type="button" className="btn btn--deny" disabled={busy !== null} onClick={() => void decide("deny")}>
          {busy === "deny" ? "Denying…" : "Deny"}
        </button>
      </div>
      {approveBlocked && <p className="muted">{approveBlocked}</p>}
      {problem && (
        <p role="alert" className="notice notice--error">
          {problem}
        </p>
      )}
    </div>
  );
}
