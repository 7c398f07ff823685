import { useId, useState, type FormEvent } from "react";
import type { OrgView } from "../api";
import { SaveRow } from "./SaveRow";
import { useOrgSave } from "./useOrgSave";

/** The server's limit on `recording_retention_days` (identity/orgs.py `MAX_RETENTION_DAYS`). */
export const MAX_RETENTION_DAYS = 3650;

/** Why `text` is not a retention in days, or null (empty means "keep forever"). */
export function retentionProblem(text: string): string | null {
  const value = text.trim();
  if (!value) return null;
  if (!/^\d+$/.test(value)) return "Enter a whole number of days, or leave it empty to keep recordings.";
  const days = Number(value);
  if (days < 1 || days > MAX_RETENTION_DAYS) return `Between 1 and ${MAX_RETENTION_DAYS} days.`;
  return null;
}

/** Terminal recordings: whether keystrokes are recorded too, and how long recordings are kept. */
export function RecordingForm({ org, editable, onSaved }: { org: OrgView; editable: boolean; onSaved(org: OrgView): void }) {
  const uid = useId();
  const [recordInput, setRecordInput] = useState(org.record_input);
  const [days, setDays] = useState(org.recording_retention_days === null ? "" : String(org.recording_retention_days));
  const [touched, setTouched] = useState(false);
  const status = useOrgSave(onSaved);
  const problem = retentionProblem(days);
  const shown = touched ? problem : null;

  async function save(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    const retention = days.trim() ? Number(days.trim()) : null;
    const saved = await status.save(
      { record_input: recordInput, recording_retention_days: retention },
      retention === null ? "Saved — recordings are kept." : `Saved — recordings are deleted ${retention} days after they finish.`,
    );
    if (saved) setTouched(false);
  }

  return (
    <form className="org-form" onSubmit={(e) => void save(e)} noValidate>
      <fieldset disabled={!editable} className="org-form__fields">
        <p className="muted">
          Agents whose SDK records their terminal send what each approved command prints; reviewers watch it under Recordings.
        </p>
        <label className="toggle">
          <input
            type="checkbox"
            checked={recordInput}
            onChange={(e) => {
              setRecordInput(e.target.checked);
              status.edited();
            }}
          />
          Record keystrokes too
        </label>
        <p className="muted">Off by default: what is typed into a terminal may hold passwords and other secrets.</p>
        <div className="org-form__field">
          <label className="field-label" htmlFor={`${uid}-days`}>
            Delete recordings after (days)
          </label>
          <input
            id={`${uid}-days`}
            className="input input--narrow"
            // Text, not number: a browser empties a number field it cannot parse, which would read as "keep".
            type="text"
            inputMode="numeric"
            autoComplete="off"
            placeholder="keep"
            value={days}
            aria-invalid={shown ? true : undefined}
            aria-describedby={shown ? `${uid}-error ${uid}-hint` : `${uid}-hint`}
            onChange={(e) => {
              setDays(e.target.value);
              setTouched(true);
              status.edited();
            }}
          />
          <p id={`${uid}-hint`} className="muted">
            Counted from when a recording finishes. Leave empty to keep recordings.
          </p>
          {shown && (
            <p id={`${uid}-error`} className="error-text">
              {shown}
            </p>
          )}
        </div>
      </fieldset>
      {editable && <SaveRow status={status} />}
    </form>
  );
}
