import { useId, useRef, useState, type FormEvent } from "react";
import { ApiError, type PreviewRequest, type RuleMatchesDeniedDetails, type WhitelistRuleView } from "../api";
import { formatDateTime } from "../history/format";
import { Modal } from "../ui/Modal";
import { RulePreview } from "./RulePreview";
import { createRule, updateRule } from "./rulesApi";
import {
  checkDraft,
  draftFor,
  formatScope,
  hasProblems,
  RULE_TYPE_HINT,
  RULE_TYPES,
  ttlSeconds,
  type DraftProblems,
  type RuleDraft,
  type ScopeKind,
  type TtlMode,
  type TtlUnit,
} from "./rules";
import { previewKey, usePreview } from "./usePreview";

interface Props {
  /** The rule to edit, or null for a new one. */
  rule: WhitelistRuleView | null;
  onSaved(rule: WhitelistRuleView): void;
  onCancel(): void;
}

function previewRequest(draft: RuleDraft): PreviewRequest | null {
  if (!draft.pattern.trim()) return null;
  if (draft.scope.kind !== "global" && !draft.scope.name.trim()) return null;
  return { pattern: draft.pattern, type: draft.type, scope: formatScope(draft.scope) };
}

/** Create or edit a rule, seeing first what it would have approved. */
export function RuleEditor({ rule, onSaved, onCancel }: Props) {
  const uid = useId();
  const [draft, setDraft] = useState<RuleDraft>(() => draftFor(rule));
  const [problems, setProblems] = useState<DraftProblems>({});
  const [serverPatternError, setServerPatternError] = useState<{ key: string; message: string } | null>(null);
  // A confirmation or a 409 belongs to the exact pattern/type/scope it was given for.
  const [confirmedKey, setConfirmedKey] = useState<string | null>(null);
  const [conflict, setConflict] = useState<{ key: string; denied: number } | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const patternRef = useRef<HTMLTextAreaElement>(null);

  const request = previewRequest(draft);
  const key = previewKey(request);
  const preview = usePreview(request);
  const current = preview.status !== "idle" && preview.key === key ? preview : null;

  const patternError =
    problems.pattern ??
    (current?.status === "error" && current.error.code === "invalid_pattern" ? current.error.message : undefined) ??
    (serverPatternError?.key === key ? serverPatternError.message : undefined);

  const deniedFromPreview = current?.status === "ready" ? current.result.denied_matched : 0;
  const deniedFromServer = conflict?.key === key ? conflict.denied : 0;
  const denied = Math.max(deniedFromPreview, deniedFromServer);
  const confirmed = confirmedKey === key;
  const blocked = denied > 0 && !confirmed;

  function change(next: Partial<RuleDraft>) {
    setDraft((d) => ({ ...d, ...next }));
    setSaveError(null);
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    const found = checkDraft(draft);
    setProblems(found);
    if (hasProblems(found)) {
      if (found.pattern) patternRef.current?.focus();
      return;
    }
    if (blocked) return;
    setSaving(true);
    setSaveError(null);
    const ttl = ttlSeconds(draft);
    const fields = {
      pattern: draft.pattern,
      type: draft.type,
      scope: formatScope(draft.scope),
      ...(ttl === undefined ? {} : { ttl_seconds: ttl }),
      confirm_denied_matches: confirmed && denied > 0,
    };
    try {
      onSaved(rule ? await updateRule(rule.id, fields) : await createRule(fields));
    } catch (error) {
      if (error instanceof ApiError && error.code === "invalid_pattern") {
        setServerPatternError({ key, message: error.message });
        patternRef.current?.focus();
      } else if (error instanceof ApiError && error.code === "rule_matches_denied") {
        const n = error.detailsAs<RuleMatchesDeniedDetails>().denied_matched ?? 1;
        setConflict({ key, denied: n });
        setConfirmedKey(null);
      } else {
        setSaveError(error instanceof Error ? error.message : String(error));
      }
    } finally {
      setSaving(false);
    }
  }

  const id = (name: string) => `${uid}-${name}`;
  const ttlModes: { value: TtlMode; label: string }[] = [
    ...(rule
      ? [
          {
            value: "keep" as const,
            label: rule.expires_at ? `Keep current (${formatDateTime(rule.expires_at)})` : "Keep current (never)",
          },
        ]
      : []),
    { value: "never", label: "Never expires" },
    { value: "after", label: "Expires after…" },
  ];

  return (
    <Modal title={rule ? "Edit whitelist rule" : "New whitelist rule"} onClose={onCancel} initialFocus={patternRef} className="editor-modal">
      <form className="editor" onSubmit={(e) => void save(e)} noValidate>
        <div className="editor__field">
          <label className="field-label" htmlFor={id("pattern")}>
            Pattern
          </label>
          <textarea
            id={id("pattern")}
            ref={patternRef}
            className="textarea"
            rows={3}
            spellCheck={false}
            autoCapitalize="off"
            autoComplete="off"
            value={draft.pattern}
            aria-invalid={patternError ? true : undefined}
            aria-describedby={`${id("pattern-hint")}${patternError ? ` ${id("pattern-error")}` : ""}`}
            onChange={(e) => change({ pattern: e.target.value })}
          />
          <p id={id("pattern-hint")} className="editor__hint muted">
            {RULE_TYPE_HINT[draft.type]}
          </p>
          {patternError && (
            <p id={id("pattern-error")} role="alert" className="error-text">
              {patternError}
            </p>
          )}
        </div>

        <fieldset className="editor__types">
          <legend className="field-label">Match type</legend>
          <div className="editor__choices">
            {RULE_TYPES.map((t) => (
              <label key={t} className="editor__choice">
                <input
                  type="radio"
                  name={id("type")}
                  value={t}
                  checked={draft.type === t}
                  onChange={() => change({ type: t })}
                />{" "}
                {t}
              </label>
            ))}
          </div>
        </fieldset>

        <div className="editor__row">
          <div className="editor__field">
            <label className="field-label" htmlFor={id("scope")}>
              Scope
            </label>
            <select
              id={id("scope")}
              className="select"
              value={draft.scope.kind}
              onChange={(e) => change({ scope: { ...draft.scope, kind: e.target.value as ScopeKind } })}
            >
              <option value="global">Every target (global)</option>
              <option value="group">A target group</option>
              <option value="target">One target</option>
            </select>
          </div>
          {draft.scope.kind !== "global" && (
            <div className="editor__field">
              <label className="field-label" htmlFor={id("scope-name")}>
                {draft.scope.kind === "group" ? "Group name" : "Target name"}
              </label>
              <input
                id={id("scope-name")}
                className="input"
                type="text"
                spellCheck={false}
                autoComplete="off"
                value={draft.scope.name}
                aria-invalid={problems.scope ? true : undefined}
                aria-describedby={problems.scope ? id("scope-error") : undefined}
                onChange={(e) => change({ scope: { ...draft.scope, name: e.target.value } })}
              />
              {problems.scope && (
                <p id={id("scope-error")} role="alert" className="error-text">
                  {problems.scope}
                </p>
              )}
            </div>
          )}
        </div>

        <div className="editor__row">
          <div className="editor__field">
            <label className="field-label" htmlFor={id("ttl-mode")}>
              Expiry
            </label>
            <select
              id={id("ttl-mode")}
              className="select"
              value={draft.ttlMode}
              onChange={(e) => change({ ttlMode: e.target.value as TtlMode })}
            >
              {ttlModes.map((m) => (
                <option key={m.value} value={m.value}>
                  {m.label}
                </option>
              ))}
            </select>
          </div>
          {draft.ttlMode === "after" && (
            <>
              <div className="editor__field editor__field--narrow">
                <label className="field-label" htmlFor={id("ttl-amount")}>
                  Amount
                </label>
                <input
                  id={id("ttl-amount")}
                  className="input"
                  type="number"
                  min={1}
                  step="any"
                  inputMode="decimal"
                  value={draft.ttlAmount}
                  aria-invalid={problems.ttl ? true : undefined}
                  aria-describedby={problems.ttl ? id("ttl-error") : undefined}
                  onChange={(e) => change({ ttlAmount: e.target.value })}
                />
              </div>
              <div className="editor__field editor__field--narrow">
                <label className="field-label" htmlFor={id("ttl-unit")}>
                  Unit
                </label>
                <select
                  id={id("ttl-unit")}
                  className="select"
                  value={draft.ttlUnit}
                  onChange={(e) => change({ ttlUnit: e.target.value as TtlUnit })}
                >
                  <option value="minutes">minutes</option>
                  <option value="hours">hours</option>
                  <option value="days">days</option>
                </select>
              </div>
            </>
          )}
        </div>
        {problems.ttl && (
          <p id={id("ttl-error")} role="alert" className="error-text">
            {problems.ttl}
          </p>
        )}

        <section className="editor__preview" aria-labelledby={id("preview")} aria-live="polite">
          <h3 id={id("preview")}>Past commands this rule matches</h3>
          <RulePreview state={current ?? { status: "idle" }} />
          {deniedFromServer > deniedFromPreview && (
            <p className="notice" role="alert">
              The server found {deniedFromServer} denied {deniedFromServer === 1 ? "command" : "commands"} this rule would
              have approved.
            </p>
          )}
        </section>

        {denied > 0 && (
          <label className="editor__confirm">
            <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmedKey(e.target.checked ? key : null)} />{" "}
            I have checked the {denied} denied {denied === 1 ? "command" : "commands"} and still want this rule.
          </label>
        )}

        {saveError && (
          <p role="alert" className="notice notice--error">
            Could not save: {saveError}
          </p>
        )}

        <div className="modal__actions">
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="btn btn--primary" disabled={saving || blocked}>
            {saving ? "Saving…" : rule ? "Save changes" : "Create rule"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
