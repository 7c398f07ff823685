import { useId, useMemo, useRef, useState, type FormEvent } from "react";
import { ApiError, type CommandView, type PreviewResponse, type RuleMatchesDeniedDetails, type RuleType, type WhitelistRuleSpec } from "../api";
import { asApiError } from "../api";
import { Modal } from "../ui/Modal";
import { inertPlain, truncate } from "../ui/inertText";
import { draftFromScope, escapeRegex, specOf, TTL_OPTIONS, type CustomUnit, type RuleDraft, type ScopeKind, type TtlChoice } from "./ruleDraft";
import { usePreview } from "./usePreview";
import "./RuleEditor.css";

export interface RuleEditorProps {
  command: CommandView;
  /** Prefill from a server suggestion; otherwise an exact rule for this command. */
  initial?: { type: RuleType; pattern: string; scope: string };
  /** Approve with the rule. Throws `ApiError` for the editor to show. */
  onSave(spec: WhitelistRuleSpec, confirmDeniedMatches: boolean): Promise<void>;
  onCancel(): void;
}

export function RuleEditor({ command, initial, onSave, onCancel }: RuleEditorProps) {
  const [draft, setDraft] = useState<RuleDraft>(() => ({
    type: initial?.type ?? "exact",
    pattern: initial?.pattern ?? command.command,
    ...(initial ? draftFromScope(initial.scope, command.target) : { scopeKind: "global" as ScopeKind, group: "" }),
    ttl: "none",
    customAmount: "",
    customUnit: "hours",
  }));
  const [confirmed, setConfirmed] = useState(false);
  const [serverDenied, setServerDenied] = useState<number | null>(null);
  const [patternError, setPatternError] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const patternRef = useRef<HTMLTextAreaElement>(null);
  const ids = { pattern: useId(), patternErr: useId(), scope: useId(), group: useId(), ttl: useId(), custom: useId(), unit: useId(), confirm: useId() };

  const built = specOf(draft, command.target);
  const previewRequest = useMemo(
    () =>
      "spec" in built
        ? { pattern: built.spec.pattern, type: built.spec.type, scope: built.spec.scope, exclude_command_id: command.id }
        : null,
    // eslint-disable-next-line react-hooks/exhaustive-deps
    ["spec" in built ? `${built.spec.type}\u0000${built.spec.scope}\u0000${built.spec.pattern}` : null],
  );
  const preview = usePreview(previewRequest);
  const previewResult: PreviewResponse | null =
    preview.status === "ready" ? preview.result : preview.status === "loading" ? preview.previous : null;
  const previewPatternError =
    preview.status === "error" && preview.error.code === "invalid_pattern" ? preview.error.message : null;

  const deniedMatched = Math.max(serverDenied ?? 0, preview.status === "ready" ? preview.result.denied_matched : 0);
  const needsConfirm = deniedMatched > 0;
  const shownPatternError = patternError ?? previewPatternError;

  function update(patch: Partial<RuleDraft>) {
    setDraft((d) => ({ ...d, ...patch }));
    // What the rule matches may change: any earlier confirmation no longer applies.
    if ("pattern" in patch || "type" in patch || "scopeKind" in patch || "group" in patch) {
      setConfirmed(false);
      setServerDenied(null);
      setPatternError(null);
    }
    setSaveError(null);
  }

  function changeType(type: RuleType) {
    // Switching an untouched exact pattern to regex: anchor and escape it so it
    // still means "this command" rather than silently matching more.
    if (type === "regex" && draft.type === "exact" && draft.pattern === command.command) {
      update({ type, pattern: `^${escapeRegex(command.command)}$` });
    } else {
      update({ type });
    }
  }

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!canSave || !("spec" in built)) return;
    setBusy(true);
    setSaveError(null);
    try {
      await onSave(built.spec, needsConfirm && confirmed);
    } catch (err) {
      const error = asApiError(err);
      if (error.code === "rule_matches_denied") {
        setServerDenied(error.detailsAs<RuleMatchesDeniedDetails>().denied_matched ?? 1);
        setConfirmed(false);
      } else if (error.code === "invalid_pattern") {
        setPatternError(error.message);
        patternRef.current?.focus();
      } else {
        setSaveError(error instanceof ApiError ? error.message : String(err));
      }
      setBusy(false);
    }
  }

  // Saving waits for the preview of exactly this rule, so the reviewer cannot
  // outrun the "would have matched denied commands" warning. (The server checks
  // again and answers 409 rule_matches_denied either way.)
  const previewSettled = preview.status === "ready" || preview.status === "error";
  const canSave = "spec" in built && previewSettled && !busy && !(needsConfirm && !confirmed) && !shownPatternError;

  return (
    <Modal title="Approve and whitelist" onClose={onCancel} initialFocus={patternRef} className="rule-editor">
      <form onSubmit={onSubmit} noValidate>
        <p className="rule-editor__lead">
          Approves <code className="rule-editor__cmd">{truncate(inertPlain(command.command), 200)}</code> and adds a rule so
          matching commands are approved automatically.
        </p>

        <fieldset className="rule-editor__types">
          <legend className="field-label">Rule type</legend>
          {(["exact", "glob", "regex"] as const).map((t) => (
            <label key={t} className="chip">
              <input type="radio" name="rule-type" value={t} checked={draft.type === t} onChange={() => changeType(t)} />
              {t === "exact" ? "Exact" : t === "glob" ? "Glob" : "Regex"}
            </label>
          ))}
        </fieldset>

        <label htmlFor={ids.pattern} className="field-label">
          Pattern
        </label>
        <textarea
          id={ids.pattern}
          ref={patternRef}
          className="textarea"
          rows={Math.min(6, Math.max(2, draft.pattern.split("\n").length))}
          value={draft.pattern}
          spellCheck={false}
          autoCapitalize="off"
          onChange={(e) => update({ pattern: e.target.value })}
          aria-invalid={shownPatternError ? true : undefined}
          aria-describedby={shownPatternError ? ids.patternErr : undefined}
        />
        {shownPatternError && (
          <p id={ids.patternErr} className="field-error" role="alert">
            {shownPatternError}
          </p>
        )}

        <div className="rule-editor__row">
          <div>
            <label htmlFor={ids.scope} className="field-label">
              Scope
            </label>
            <select
              id={ids.scope}
              className="select"
              value={draft.scopeKind}
              onChange={(e) => update({ scopeKind: e.target.value as ScopeKind })}
            >
              <option value="global">Global (every target)</option>
              {command.target && <option value="target">This target: {command.target}</option>}
              <option value="group">Target group…</option>
            </select>
            {draft.scopeKind === "group" && (
              <>
                <label htmlFor={ids.group} className="field-label">
                  Group name
                </label>
                <input id={ids.group} className="input" value={draft.group} onChange={(e) => update({ group: e.target.value })} />
              </>
            )}
          </div>
          <div>
            <label htmlFor={ids.ttl} className="field-label">
              Expires
            </label>
            <select id={ids.ttl} className="select" value={draft.ttl} onChange={(e) => update({ ttl: e.target.value as TtlChoice })}>
              {TTL_OPTIONS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
            {draft.ttl === "custom" && (
              <div className="rule-editor__custom">
                <label htmlFor={ids.custom} className="visually-hidden">
                  Custom expiry amount
                </label>
                <input
                  id={ids.custom}
                  className="input"
                  type="number"
                  min={1}
                  inputMode="numeric"
                  value={draft.customAmount}
                  onChange={(e) => update({ customAmount: e.target.value })}
                />
                <label htmlFor={ids.unit} className="visually-hidden">
                  Custom expiry unit
                </label>
                <select id={ids.unit} className="select" value={draft.customUnit} onChange={(e) => update({ customUnit: e.target.value as CustomUnit })}>
                  <option value="minutes">minutes</option>
                  <option value="hours">hours</option>
                  <option value="days">days</option>
                </select>
              </div>
            )}
          </div>
        </div>

        <RulePreview state={preview.status} result={previewResult} error={preview.status === "error" && !previewPatternError ? preview.error.message : null} />

        {needsConfirm && (
          <label className="rule-editor__confirm" htmlFor={ids.confirm}>
            <input id={ids.confirm} type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} />
            I understand this rule would have approved {deniedMatched} denied command(s)
          </label>
        )}

        {"problem" in built && <p className="rule-editor__hint">{built.problem}</p>}
        {saveError && (
          <p className="field-error" role="alert">
            {saveError}
          </p>
        )}

        <div className="modal__actions">
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="btn btn--approve" disabled={!canSave}>
            {busy ? "Saving…" : "Save rule and approve"}
          </button>
        </div>
      </form>
    </Modal>
  );
}

function RulePreview({ state, result, error }: { state: string; result: PreviewResponse | null; error: string | null }) {
  return (
    <section className="preview" aria-label="Rule preview" aria-busy={state === "loading"}>
      <h3 className="preview__title">Would have matched</h3>
      {error && <p className="field-error">Preview unavailable: {error}</p>}
      {!error && !result && <p className="preview__summary">{state === "idle" ? "Complete the rule to preview it." : "Checking past commands…"}</p>}
      {!error && result && (
        <>
          <p className="preview__summary" aria-live="polite">
            {result.matched} past command{result.matched === 1 ? "" : "s"}
            {result.denied_matched > 0 && (
              <strong className="preview__denied"> ({result.denied_matched} denied)</strong>
            )}{" "}
            of {result.scanned}
            {result.truncated ? "+" : ""} scanned
            {result.matched > result.matches.length && `; showing the newest ${result.matches.length}`}
          </p>
          {result.matches.length > 0 && (
            <ul className="preview__list">
              {result.matches.map((m) => (
                <li key={m.id} className={m.status === "denied" ? "preview__item preview__item--denied" : "preview__item"}>
                  {m.status === "denied" && <span className="badge badge--danger">Denied</span>}
                  <code>{truncate(inertPlain(m.command), 160)}</code>
                  <span className="preview__meta">
                    {m.agent}
                    {m.target ? ` · ${m.target}` : ""}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
