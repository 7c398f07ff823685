import { useId, useState, type FormEvent } from "react";
import type { OrgView } from "../api";
import { describeThreshold, SENIOR_THRESHOLD_OFF, thresholdProblem } from "./orgPolicy";
import { SaveRow } from "./SaveRow";
import { useOrgSave } from "./useOrgSave";

type Action = OrgView["timeout_action"];

const ACTIONS: { value: Action; label: string; hint: string }[] = [
  { value: "deny", label: "Deny it", hint: "The agent is told no; nothing runs." },
  {
    value: "escalate",
    label: "Escalate it once",
    hint: "Seniors (then admins) are alerted and it waits as long again; denied if still undecided.",
  },
];

/** What a timeout does, and from which risk score a senior must decide. Admins edit; others read. */
export function EscalationForm({ org, editable, onSaved }: { org: OrgView; editable: boolean; onSaved(org: OrgView): void }) {
  const uid = useId();
  const [action, setAction] = useState<Action>(org.timeout_action);
  const [threshold, setThreshold] = useState(String(org.senior_risk_threshold));
  const [touched, setTouched] = useState(false);
  const status = useOrgSave(onSaved);

  const problem = thresholdProblem(threshold);
  const shown = touched ? problem : null;
  const value = problem ? null : Number(threshold.trim());
  const unchanged = action === org.timeout_action && value === org.senior_risk_threshold;

  async function save(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (value === null) return;
    const change = {
      ...(action !== org.timeout_action ? { timeout_action: action } : {}),
      ...(value !== org.senior_risk_threshold ? { senior_risk_threshold: value } : {}),
    };
    if (await status.save(change, "Saved — applies to commands submitted from now on.")) setTouched(false);
  }

  return (
    <form className="org-form" onSubmit={(e) => void save(e)} noValidate>
      <fieldset disabled={!editable} className="org-form__fields">
        <fieldset className="choice">
          <legend className="field-label">When nobody decides in time</legend>
          {ACTIONS.map((a) => (
            <label key={a.value} className="choice__option">
              <input
                type="radio"
                name={`${uid}-action`}
                value={a.value}
                checked={action === a.value}
                onChange={() => {
                  setAction(a.value);
                  status.edited();
                }}
              />
              <span>
                <strong>{a.label}</strong> <span className="muted">{a.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
        <div className="org-form__field">
          <label className="field-label" htmlFor={`${uid}-threshold`}>
            Senior review from risk
          </label>
          <input
            id={`${uid}-threshold`}
            className="input input--narrow"
            type="number"
            inputMode="numeric"
            min={0}
            max={SENIOR_THRESHOLD_OFF}
            value={threshold}
            aria-invalid={shown ? true : undefined}
            aria-describedby={`${uid}-threshold-hint${shown ? ` ${uid}-threshold-error` : ""}`}
            onChange={(e) => {
              setThreshold(e.target.value);
              setTouched(true);
              status.edited();
            }}
          />
          <p id={`${uid}-threshold-hint`} className="muted">
            {value !== null ? describeThreshold(value) : "0 to 100, or 101 to turn senior routing off."}
          </p>
          {shown && (
            <p id={`${uid}-threshold-error`} className="error-text">
              {shown}
            </p>
          )}
        </div>
      </fieldset>
      {editable && <SaveRow status={status} disabled={unchanged} />}
    </form>
  );
}
