import type { ApiError } from "../api";

interface Status {
  saving: boolean;
  error: ApiError | null;
  saved: string;
}

/** A settings form's Save button, the server's refusal and the confirmation, in one place. */
export function SaveRow({ status, disabled = false, label = "Save" }: { status: Status; disabled?: boolean; label?: string }) {
  return (
    <>
      {status.error && (
        <p role="alert" className="notice notice--error">
          Could not save: {status.error.message}
        </p>
      )}
      <div className="timeout__actions">
        <button type="submit" className="btn btn--primary" disabled={status.saving || disabled}>
          {status.saving ? "Saving…" : label}
        </button>
        <span role="status" className="timeout__saved">
          {status.saved}
        </span>
      </div>
    </>
  );
}
