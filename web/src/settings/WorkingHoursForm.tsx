import { useId, useMemo, useState, type FormEvent } from "react";
import type { OrgView } from "../api";
import { hoursDraftOf, hoursOf, hoursProblems, WEEKDAYS, type HoursDraft } from "./orgPolicy";
import { SaveRow } from "./SaveRow";
import { useOrgSave } from "./useOrgSave";

function timeZones(): string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: string) => string[] };
  try {
    return intl.supportedValuesOf?.("timeZone") ?? [];
  } catch {
    return [];
  }
}

/** When reviewers are at work; commands outside it score higher (the unusual-activity rule). */
export function WorkingHoursForm({ org, editable, onSaved }: { org: OrgView; editable: boolean; onSaved(org: OrgView): void }) {
  const uid = useId();
  const [draft, setDraft] = useState<HoursDraft>(() => hoursDraftOf(org.working_hours));
  const [touched, setTouched] = useState(false);
  const status = useOrgSave(onSaved);
  const zones = useMemo(timeZones, []);
  const problems = hoursProblems(draft);
  const shown = touched ? problems : {};
  const invalid = Object.values(problems).some(Boolean);

  function edit(change: Partial<HoursDraft>) {
    setDraft((d) => ({ ...d, ...change }));
    status.edited();
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (invalid) return;
    const hours = hoursOf(draft);
    const org = await status.save(
      { working_hours: hours },
      hours ? "Saved — the unusual-activity rule now uses these hours." : "Saved — no working hours are set.",
    );
    if (org) {
      setDraft(hoursDraftOf(org.working_hours, draft.timezone));
      setTouched(false);
    }
  }

  const field = (name: keyof typeof shown) =>
    shown[name] ? { "aria-invalid": true as const, "aria-describedby": `${uid}-${name}-error` } : {};
  const error = (name: keyof typeof shown) =>
    shown[name] && (
      <p id={`${uid}-${name}-error`} className="error-text">
        {shown[name]}
      </p>
    );

  return (
    <form className="org-form" onSubmit={(e) => void save(e)} noValidate>
      <fieldset disabled={!editable} className="org-form__fields">
        <label className="toggle">
          <input type="checkbox" checked={draft.enabled} onChange={(e) => edit({ enabled: e.target.checked })} />
          Set working hours
        </label>
        {draft.enabled && (
          <>
            <div className="org-form__field">
              <label className="field-label" htmlFor={`${uid}-tz`}>
                Time zone
              </label>
              <input
                id={`${uid}-tz`}
                className="input"
                list={zones.length > 0 ? `${uid}-zones` : undefined}
                autoComplete="off"
                spellCheck={false}
                placeholder="Europe/Berlin"
                value={draft.timezone}
                onChange={(e) => edit({ timezone: e.target.value })}
                {...field("timezone")}
              />
              {zones.length > 0 && (
                <datalist id={`${uid}-zones`}>
                  {zones.map((z) => (
                    <option key={z} value={z} />
                  ))}
                </datalist>
              )}
              {error("timezone")}
            </div>
            <fieldset className="choice" {...(shown.days ? { "aria-describedby": `${uid}-days-error` } : {})}>
              <legend className="field-label">Days</legend>
              <div className="days">
                {WEEKDAYS.map((day) => (
                  <label key={day.iso} className="day">
                    <input
                      type="checkbox"
                      aria-label={day.long}
                      checked={draft.days.includes(day.iso)}
                      onChange={(e) =>
                        edit({ days: e.target.checked ? [...draft.days, day.iso] : draft.days.filter((d) => d !== day.iso) })
                      }
                    />
                    <span aria-hidden="true">{day.short}</span>
                  </label>
                ))}
              </div>
              {error("days")}
            </fieldset>
            <div className="timeout__row">
              <div className="timeout__field">
                <label className="field-label" htmlFor={`${uid}-start`}>
                  From
                </label>
                <input id={`${uid}-start`} className="input" type="time" value={draft.start} onChange={(e) => edit({ start: e.target.value })} {...field("start")} />
                {error("start")}
              </div>
              <div className="timeout__field">
                <label className="field-label" htmlFor={`${uid}-end`}>
                  Until
                </label>
                <input id={`${uid}-end`} className="input" type="time" value={draft.end} onChange={(e) => edit({ end: e.target.value })} {...field("end")} />
                {error("end")}
              </div>
            </div>
            <p className="muted">Local time in that zone. An end before the start is a night shift (22:00 until 06:00).</p>
          </>
        )}
        {!draft.enabled && <p className="muted">No working hours: the time of day never raises a command’s risk.</p>}
      </fieldset>
      {editable && <SaveRow status={status} />}
    </form>
  );
}
