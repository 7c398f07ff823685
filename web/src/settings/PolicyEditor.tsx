import { useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { asApiError, type ApprovalPolicyView } from "../api";
import { Modal } from "../ui/Modal";
import { MODE_HINT } from "../queue/requirement";
import type { ScopeKind } from "../whitelist/rules";
import {
  DECIDING_ROLES,
  MAX_APPROVERS,
  PATTERN_TYPES,
  policyBodyOf,
  policyDraftOf,
  policyProblems,
  serverProblems,
  type DecidingRole,
  type PolicyDraft,
  type PolicyField,
  type PolicyProblems,
} from "./policyForm";
import { createPolicy, updatePolicy } from "./settingsApi";

interface Props {
  /** The policy to edit, or null for a new one. */
  policy: ApprovalPolicyView | null;
  onSaved(policy: ApprovalPolicyView): void;
  onCancel(): void;
}

const SCOPE_LABEL: Record<ScopeKind, string> = { global: "Every target", target: "One target", group: "A target group" };

/**
 * Create or change an approval policy: which commands it matches and who must
 * approve them. Mistakes, ours or the server's, are shown next to their field.
 */
export function PolicyEditor({ policy, onSaved, onCancel }: Props) {
  const uid = useId();
  const [draft, setDraft] = useState<PolicyDraft>(() => policyDraftOf(policy));
  const [touched, setTouched] = useState(false);
  const [server, setServer] = useState<PolicyProblems>({});
  const [saving, setSaving] = useState(false);
  const nameRef = useRef<HTMLInputElement>(null);
  const formRef = useRef<HTMLFormElement>(null);

  const local = policyProblems(draft);
  const problems: PolicyProblems = { ...server, ...(touched ? local : {}) };

  function edit(change: Partial<PolicyDraft>, fields: PolicyField[]) {
    setDraft((d) => ({ ...d, ...change }));
    // A server refusal is about the values it was given: editing that field clears it.
    setServer((s) => {
      const next = { ...s };
      for (const f of [...fields, "form" as const]) delete next[f];
      return next;
    });
  }

  async function save(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (Object.values(local).some(Boolean)) {
      focusFirstInvalid();
      return;
    }
    setSaving(true);
    setServer({});
    try {
      const body = policyBodyOf(draft);
      onSaved(policy ? await updatePolicy(policy.id, body) : await createPolicy(body));
    } catch (error) {
      setServer(serverProblems(asApiError(error), draft.minRole));
      requestAnimationFrame(focusFirstInvalid);
    } finally {
      setSaving(false);
    }
  }

  function focusFirstInvalid() {
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }

  const describe = (field: PolicyField, hint = false) => {
    const ids = [problems[field] ? `${uid}-${field}-error` : null, hint ? `${uid}-${field}-hint` : null].filter(Boolean);
    return {
      "aria-invalid": problems[field] ? (true as const) : undefined,
      "aria-describedby": ids.length ? ids.join(" ") : undefined,
    };
  };
  const problem = (field: PolicyField): ReactNode =>
    problems[field] && (
      <p id={`${uid}-${field}-error`} className="error-text">
        {problems[field]}
      </p>
    );

  return (
    <Modal title={policy ? "Edit approval policy" : "New approval policy"} onClose={onCancel} initialFocus={nameRef} className="policy-editor">
      <form ref={formRef} className="policy-form" onSubmit={(e) => void save(e)} noValidate>
        <div className="policy-form__row">
          <div className="org-form__field policy-form__grow">
            <label className="field-label" htmlFor={`${uid}-name`}>
              Name
            </label>
            <input
              id={`${uid}-name`}
              ref={nameRef}
              className="input"
              value={draft.name}
              maxLength={200}
              onChange={(e) => edit({ name: e.target.value }, ["name"])}
              {...describe("name")}
            />
            {problem("name")}
          </div>
          <div className="org-form__field">
            <label className="field-label" htmlFor={`${uid}-priority`}>
              Priority
            </label>
            <input
              id={`${uid}-priority`}
              className="input input--narrow"
              type="number"
              inputMode="numeric"
              min={0}
              value={draft.priority}
              onChange={(e) => edit({ priority: e.target.value }, ["priority"])}
              {...describe("priority", true)}
            />
            <p id={`${uid}-priority-hint`} className="muted">
              Lower is tried first.
            </p>
            {problem("priority")}
          </div>
        </div>

        <fieldset className="policy-form__group">
          <legend>Which commands</legend>
          <p className="muted">Every condition set must hold; leave one empty to match anything.</p>
          <div className="policy-form__row">
            <div className="org-form__field">
              <label className="field-label" htmlFor={`${uid}-scope`}>
                Targets
              </label>
              <select
                id={`${uid}-scope`}
                className="select"
                value={draft.scope.kind}
                onChange={(e) => edit({ scope: { kind: e.target.value as ScopeKind, name: draft.scope.name } }, ["scope"])}
              >
                {(Object.keys(SCOPE_LABEL) as ScopeKind[]).map((k) => (
                  <option key={k} value={k}>
                    {SCOPE_LABEL[k]}
                  </option>
                ))}
              </select>
            </div>
            {draft.scope.kind !== "global" && (
              <div className="org-form__field policy-form__grow">
                <label className="field-label" htmlFor={`${uid}-scope-name`}>
                  {draft.scope.kind === "group" ? "Group name" : "Target name"}
                </label>
                <input
                  id={`${uid}-scope-name`}
                  className="input"
                  spellCheck={false}
                  value={draft.scope.name}
                  onChange={(e) => edit({ scope: { ...draft.scope, name: e.target.value } }, ["scope"])}
                  {...describe("scope")}
                />
                {problem("scope")}
              </div>
            )}
            <div className="org-form__field">
              <label className="field-label" htmlFor={`${uid}-risk`}>
                Minimum risk
              </label>
              <input
                id={`${uid}-risk`}
                className="input input--narrow"
                type="number"
                inputMode="numeric"
                min={0}
                max={100}
                placeholder="any"
                value={draft.minRisk}
                onChange={(e) => edit({ minRisk: e.target.value }, ["minRisk"])}
                {...describe("minRisk")}
              />
              {problem("minRisk")}
            </div>
          </div>
          <div className="org-form__field">
            <label className="field-label" htmlFor={`${uid}-pattern`}>
              Command pattern
            </label>
            <input
              id={`${uid}-pattern`}
              className="input policy-form__pattern"
              spellCheck={false}
              autoCapitalize="off"
              placeholder="any command, e.g. psql *"
              value={draft.pattern}
              onChange={(e) => edit({ pattern: e.target.value }, ["pattern"])}
              {...describe("pattern", true)}
            />
            <p id={`${uid}-pattern-hint`} className="muted">
              Matches when the whole command or any part of it matches.
            </p>
            {problem("pattern")}
          </div>
          {draft.pattern.trim() && (
            <fieldset className="choice choice--inline">
              <legend className="field-label">Pattern type</legend>
              {PATTERN_TYPES.map((t) => (
                <label key={t} className="choice__option">
                  <input
                    type="radio"
                    name={`${uid}-ptype`}
                    checked={draft.patternType === t}
                    onChange={() => edit({ patternType: t }, ["pattern"])}
                  />
                  {t}
                </label>
              ))}
            </fieldset>
          )}
        </fieldset>

        <fieldset className="policy-form__group">
          <legend>Who must approve</legend>
          <div className="policy-form__row">
            <div className="org-form__field">
              <label className="field-label" htmlFor={`${uid}-role`}>
                Least role
              </label>
              <select
                id={`${uid}-role`}
                className="select"
                value={draft.minRole}
                onChange={(e) => edit({ minRole: e.target.value as DecidingRole }, ["approvers"])}
              >
                {DECIDING_ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r} or above
                  </option>
                ))}
              </select>
            </div>
            <div className="org-form__field">
              <label className="field-label" htmlFor={`${uid}-approvers`}>
                Approvals needed
              </label>
              <input
                id={`${uid}-approvers`}
                className="input input--narrow"
                type="number"
                inputMode="numeric"
                min={1}
                max={MAX_APPROVERS}
                value={draft.approvers}
                onChange={(e) => edit({ approvers: e.target.value }, ["approvers"])}
                {...describe("approvers")}
              />
            </div>
          </div>
          {problem("approvers")}
          <fieldset className="choice">
            <legend className="field-label">When reviewers disagree</legend>
            {(["AllOf", "AnyOf"] as const).map((mode) => (
              <label key={mode} className="choice__option">
                <input type="radio" name={`${uid}-mode`} checked={draft.mode === mode} onChange={() => edit({ mode }, [])} />
                <span>
                  <strong>{mode}</strong> <span className="muted">{MODE_HINT[mode]}</span>
                </span>
              </label>
            ))}
          </fieldset>
        </fieldset>

        {problems.form && (
          <p role="alert" className="notice notice--error">
            Could not save: {problems.form}
          </p>
        )}
        {/* Field errors are announced once, together; each is also tied to its field. */}
        <p role="alert" className="visually-hidden">
          {Object.entries(server)
            .filter(([k]) => k !== "form")
            .map(([, v]) => v)
            .join(" ")}
        </p>
        <div className="modal__actions">
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="btn btn--primary" disabled={saving}>
            {saving ? "Saving…" : policy ? "Save policy" : "Create policy"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
