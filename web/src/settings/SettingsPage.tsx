import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { api, asApiError, call, type ApiError, type OrgView } from "../api";
import { mayAdminister, ROLE_LABEL, useRole } from "../auth/role";
import { useSignedInSession } from "../auth/session";
import { EgressForm } from "./EgressForm";
import { EncryptionSection } from "./EncryptionSection";
import { EscalationForm } from "./EscalationForm";
import { PeopleSection } from "./PeopleSection";
import { PoliciesSection } from "./PoliciesSection";
import { RecordingForm } from "./RecordingForm";
import { WorkingHoursForm } from "./WorkingHoursForm";
import { describeTimeout, MAX_TIMEOUT_SECONDS, MIN_TIMEOUT_SECONDS, PRESETS, timeoutProblem } from "./timeout";
import "./settings.css";

type Load = { status: "loading" } | { status: "error"; error: ApiError } | { status: "ready"; org: OrgView };

/**
 * Who is signed in; the organisation's policy (timeout, escalation, routing,
 * working hours, egress); approval policies; people and agents; and this
 * browser's encryption key. Admins change policy; everyone else reads it.
 */
export function SettingsPage() {
  const session = useSignedInSession();
  const { role } = useRole();
  const admin = mayAdminister(role);
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);
  const [peopleVersion, setPeopleVersion] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    call(api.GET("/api/v1/org", { signal: controller.signal }))
      .then((org) => setLoad({ status: "ready", org }))
      .catch((error: unknown) => !controller.signal.aborted && setLoad({ status: "error", error: asApiError(error) }));
    return () => controller.abort();
  }, [attempt]);

  const saved = (org: OrgView) => setLoad({ status: "ready", org });
  const orgSection = (id: string, title: string, body: (org: OrgView) => ReactNode) => (
    <section className="settings__card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {load.status === "loading" && <p role="status">Loading…</p>}
      {load.status === "error" && (
        <>
          <p role="alert" className="error-text">
            Could not load the organisation’s settings: {load.error.message}
          </p>
          <button type="button" className="btn" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </>
      )}
      {load.status === "ready" && body(load.org)}
    </section>
  );

  return (
    <div className="settings">
      <h1>Settings</h1>
      <section className="settings__card" aria-labelledby="settings-account">
        <h2 id="settings-account">Signed in</h2>
        <dl className="facts">
          <dt>Reviewer</dt>
          <dd>{session.reviewer.name}</dd>
          {role && (
            <>
              <dt>Role</dt>
              <dd>{ROLE_LABEL[role]}</dd>
            </>
          )}
          <dt>Organisation</dt>
          <dd>{load.status === "ready" ? load.org.name : session.org.name}</dd>
        </dl>
        {!admin && (
          <p className="notice settings__readonly">
            Only admins change the organisation’s policy, approval policies, roles and agent links. You can read them here.
          </p>
        )}
      </section>

      {orgSection("settings-timeout", "Decision timeout", (org) => (
        <TimeoutForm org={org} editable={admin} onSaved={saved} />
      ))}
      {orgSection("settings-escalation", "Timeouts and senior review", (org) => (
        <EscalationForm org={org} editable={admin} onSaved={saved} />
      ))}
      {orgSection("settings-hours", "Working hours", (org) => (
        <WorkingHoursForm org={org} editable={admin} onSaved={saved} />
      ))}
      {orgSection("settings-egress", "Egress allow-list", (org) => (
        <EgressForm org={org} editable={admin} onSaved={saved} />
      ))}
      {orgSection("settings-recordings", "Terminal recordings", (org) => (
        <RecordingForm org={org} editable={admin} onSaved={saved} />
      ))}

      <PoliciesSection editable={admin} refreshKey={peopleVersion} />
      <PeopleSection editable={admin} onChanged={() => setPeopleVersion((n) => n + 1)} />

      <EncryptionSection reviewerId={session.reviewer.id} />
    </div>
  );
}

function TimeoutForm({ org, editable, onSaved }: { org: OrgView; editable: boolean; onSaved(org: OrgView): void }) {
  const uid = useId();
  const [value, setValue] = useState(String(org.timeout_seconds));
  const [touched, setTouched] = useState(false);
  const [saving, setSaving] = useState(false);
  const [serverError, setServerError] = useState("");
  const [saved, setSaved] = useState("");
  const input = useRef<HTMLInputElement>(null);

  const problem = timeoutProblem(value);
  const shownProblem = touched ? problem : null;
  const seconds = problem ? null : Number(value.trim());
  const unchanged = seconds === org.timeout_seconds;

  function edit(next: string) {
    setValue(next);
    setTouched(true);
    setSaved("");
    setServerError("");
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (seconds === null) {
      input.current?.focus();
      return;
    }
    setSaving(true);
    setServerError("");
    setSaved("");
    try {
      const updated = await call(api.PATCH("/api/v1/org", { body: { timeout_seconds: seconds } }));
      onSaved(updated);
      setValue(String(updated.timeout_seconds));
      setTouched(false);
      setSaved("Saved — applies to commands submitted from now on.");
    } catch (error) {
      setServerError(asApiError(error).message);
    } finally {
      setSaving(false);
    }
  }

  const errorId = `${uid}-error`;
  const hintId = `${uid}-hint`;
  return (
    <form className="timeout" onSubmit={(e) => void save(e)} noValidate>
      <fieldset disabled={!editable} className="org-form__fields timeout">
        <p className="muted" id={hintId}>
          How long a command waits for a reviewer before it times out (what happens then is set below). Between{" "}
          {MIN_TIMEOUT_SECONDS} seconds and {MAX_TIMEOUT_SECONDS / 60} minutes. Commands already waiting keep their deadline.
        </p>
        <div className="timeout__presets" role="group" aria-label="Presets">
          {PRESETS.map((p) => (
            <button
              key={p.seconds}
              type="button"
              className="btn btn--small"
              aria-pressed={seconds === p.seconds}
              onClick={() => edit(String(p.seconds))}
            >
              {p.label}
            </button>
          ))}
        </div>
        <div className="timeout__row">
          <div className="timeout__field">
            <label className="field-label" htmlFor={`${uid}-seconds`}>
              Timeout in seconds
            </label>
            <input
              id={`${uid}-seconds`}
              ref={input}
              className="input"
              type="number"
              inputMode="numeric"
              min={MIN_TIMEOUT_SECONDS}
              max={MAX_TIMEOUT_SECONDS}
              step={1}
              value={value}
              aria-invalid={shownProblem ? true : undefined}
              aria-describedby={shownProblem ? `${errorId} ${hintId}` : hintId}
              onChange={(e) => edit(e.target.value)}
            />
          </div>
          <div className="timeout__field timeout__field--slider">
            <label className="field-label" htmlFor={`${uid}-slider`}>
              Timeout slider
            </label>
            <input
              id={`${uid}-slider`}
              type="range"
              min={MIN_TIMEOUT_SECONDS}
              max={MAX_TIMEOUT_SECONDS}
              step={30}
              value={seconds ?? org.timeout_seconds}
              aria-valuetext={describeTimeout(seconds ?? org.timeout_seconds)}
              onChange={(e) => edit(e.target.value)}
            />
          </div>
        </div>
        {seconds !== null && <p className="timeout__reading">= {describeTimeout(seconds)}</p>}
        {shownProblem && (
          <p id={errorId} role="alert" className="error-text">
            {shownProblem}
          </p>
        )}
      </fieldset>
      {editable && serverError && (
        <p role="alert" className="notice notice--error">
          Could not save: {serverError}
        </p>
      )}
      {editable && (
        <div className="timeout__actions">
          <button type="submit" className="btn btn--primary" disabled={saving || (unchanged && !touched)}>
            {saving ? "Saving…" : "Save"}
          </button>
          <span role="status" className="timeout__saved">
            {saved}
          </span>
        </div>
      )}
    </form>
  );
}
