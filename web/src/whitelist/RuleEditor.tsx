import { useId, useRef, useState, type FormEvent } from "react";
import {
  asApiError,
  type CommandView,
  type RuleMatchesDeniedDetails,
  type RuleType,
  type WhitelistRuleSpec,
  type WhitelistRuleView,
} from "../api";
import { formatDateTime } from "../history/format";
import { Modal } from "../ui/Modal";
import { inertPlain, truncate } from "../ui/inertText";
import { RulePreview } from "./RulePreview";
import {
  checkDraft,
  draftFor,
  draftForCommand,
  escapeRegex,
  formatScope,
  hasProblems,
  previewRequestOf,
  RULE_TYPE_HINT,
  RULE_TYPE_LABEL,
  RULE_TYPES,
  TTL_PRESETS,
  ttlSeconds,
  type RuleDraft,
  type RuleSeed,
  type ScopeKind,
  type TtlChoice,
  type TtlUnit,
} from "./rules";
import { createRule, updateRule } from "./rulesApi";
import { previewKey, usePreview } from "./usePreview";
// .muted, .notice, .error-text and the status badges come from history/history.css, which the app loads globally.
import "./RuleEditor.css";

/** What saving does: the only difference between the queue's editor and the Whitelist page's. */
export type RuleSave =
  | {
      /** Approve `command` with the rule (a queue card's "Approve and whitelist"). */
      kind: "approve";
      command: CommandView;
      /** A server suggestion to start from; otherwise exactly this command. */
      seed?: RuleSeed;
      /** Throws `ApiError` for the editor to show (409 rule_matches_denied, 422 invalid_pattern…). */
      approve(spec: WhitelistRuleSpec, confirmDeniedMatches: boolean): Promise<void>;
    }
  | {
      /** Create a rule (`rule` null) or update `rule` (the Whitelist page's "New rule" / "Edit"). */
      kind: "rule";
      rule: WhitelistRuleView | null;
      onSaved(rule: WhitelistRuleView): void;
    };

interface Props {
  save: RuleSave;
  onCancel(): void;
}

type RuleFields = WhitelistRuleSpec & { pattern: string };

async function persist(save: RuleSave, fields: RuleFields, confirmDeniedMatches: boolean): Promise<void> {
  if (save.kind === "approve") {
    await save.approve({ ...fields, ttl_seconds: fields.ttl_seconds ?? null }, confirmDeniedMatches);
    return;
  }
  const change = { ...fields, confirm_denied_matches: confirmDeniedMatches };
  save.onSaved(save.rule ? await updateRule(save.rule.id, change) : await createRule(change));
}

function titleOf(save: RuleSave): string {
  if (save.kind === "approve") return "Approve and whitelist";
  return save.rule ? "Edit whitelist rule" : "New whitelist rule";
}

function submitLabel(save: RuleSave): string {
  if (save.kind === "approve") return "Save rule and approve";
  return save.rule ? "Save changes" : "Create rule";
}

/**
 * Write a whitelist rule while seeing what it would have approved in the past.
 * Save waits for the preview of exactly the current rule, and a rule that would
 * have approved a denied command needs a tick given for exactly that rule.
 */
export function RuleEditor({ save, onCancel }: Props) {
  const uid = useId();
  const command = save.kind === "approve" ? save.command : null;
  const [draft, setDraft] = useState<RuleDraft>(() =>
    save.kind === "approve" ? draftForCommand(save.command, save.seed) : draftFor(save.rule),
  );
  const [serverPatternError, setServerPatternError] = useState<{ key: string; message: string } | null>(null);
  // A confirmation or a 409 belongs to the exact pattern/type/scope it was given for.
  const [confirmedKey, setConfirmedKey] = useState<string | null>(null);
  const [conflict, setConflict] = useState<{ key: string; denied: number; unchecked: boolean } | null>(null);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const patternRef = useRef<HTMLTextAreaElement>(null);

  const problems = checkDraft(draft);
  const request = previewRequestOf(draft, problems, command?.id);
  const key = previewKey(request);
  const preview = usePreview(request);

  const patternError =
    (draft.pattern.trim() ? problems.pattern : undefined) ??
    (preview.status === "error" && preview.error.code === "invalid_pattern" ? preview.error.message : undefined) ??
    (serverPatternError?.key === key ? serverPatternError.message : undefined);

  const deniedFromPreview = preview.status === "ready" ? preview.result.denied_matched : 0;
  const deniedFromServer = conflict?.key === key ? conflict.denied : 0;
  const denied = Math.max(deniedFromPreview, deniedFromServer);
  // A check that ran out of time proves nothing: the server then asks for the
  // same confirmation, so the editor asks first.
  const unchecked =
    (preview.status === "ready" && !preview.result.complete) || (conflict?.key === key && conflict.unchecked);
  const needsConfirm = denied > 0 || unchecked;
  const confirmed = confirmedKey === key;
  const blocked = needsConfirm && !confirmed;
  // Saving waits for the preview of exactly this rule, so the reviewer cannot
  // outrun the "would have matched denied commands" warning. (The server checks
  // again and answers 409 rule_matches_denied either way.)
  const previewSettled = preview.status === "ready" || preview.status === "error";
  const canSave = previewSettled && !saving && !blocked && !patternError && !hasProblems(problems);

  function change(next: Partial<RuleDraft>) {
    setDraft((d) => ({ ...d, ...next }));
    setSaveError(null);
  }

  function changeType(type: RuleType) {
    // Switching an untouched exact pattern to regex: anchor and escape it so it
    // still means "this command" rather than silently matching more.
    if (command && type === "regex" && draft.type === "exact" && draft.pattern === command.command) {
      change({ type, pattern: `^${escapeRegex(command.command)}$` });
    } else {
      change({ type });
    }
  }

  function changeScopeKind(kind: ScopeKind) {
    // "One target" from a card means the card's target until the reviewer says otherwise.
    const name = kind === "target" && draft.scope.kind !== "target" && command?.target ? command.target : draft.scope.name;
    change({ scope: { kind, name } });
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!canSave) return;
    setSaving(true);
    setSaveError(null);
    const ttl = ttlSeconds(draft);
    const fields: RuleFields = {
      pattern: draft.pattern,
      type: draft.type,
      scope: formatScope(draft.scope),
      ...(ttl === undefined ? {} : { ttl_seconds: ttl }),
    };
    try {
      await persist(save, fields, confirmed && needsConfirm);
    } catch (err) {
      const error = asApiError(err);
      if (error.code === "invalid_pattern") {
        setServerPatternError({ key, message: error.message });
        patternRef.current?.focus();
      } else if (error.code === "rule_matches_denied") {
        const details = error.detailsAs<RuleMatchesDeniedDetails>();
        setConflict({ key, denied: details.denied_matched ?? 1, unchecked: details.complete === false });
        setConfirmedKey(null);
      } else {
        setSaveError(error.message);
      }
    } finally {
      setSaving(false);
    }
  }

  const id = (name: string) => `${uid}-${name}`;
  const ttlChoices: { value: TtlChoice; label: string }[] = [
    ...(save.kind === "rule" && save.rule
      ? [
          {
            value: "keep" as const,
            label: save.rule.expires_at ? `Keep current (${formatDateTime(save.rule.expires_at)})` : "Keep current (never)",
          },
        ]
      : []),
    ...TTL_PRESETS,
  ];

  return (
    <Modal title={titleOf(save)} onClose={onCancel} initialFocus={patternRef} className="editor-modal">
      <form className="editor" onSubmit={(e) => void submit(e)} noValidate>
        {command && (
          <p className="editor__lead">
            Approves <code className="editor__cmd">{truncate(inertPlain(command.command), 200)}</code> and adds a rule so
            matching commands are approved automatically.
          </p>
        )}

        <div className="editor__field">
          <label className="field-label" htmlFor={id("pattern")}>
            Pattern
          </label>
          <textarea
            id={id("pattern")}
            ref={patternRef}
            className="textarea"
            rows={Math.min(6, Math.max(3, draft.pattern.split("\n").length))}
            spellCheck={false}
            autoCapitalize="off"
            autoComplete="off"
            value={draft.pattern}
            aria-invalid={patternError ? true : undefined}
            aria-describedby={patternError ? id("pattern-error") : id("pattern-hint")}
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
                <input type="radio" name={id("type")} value={t} checked={draft.type === t} onChange={() => changeType(t)} />{" "}
                {RULE_TYPE_LABEL[t]}
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
              onChange={(e) => changeScopeKind(e.target.value as ScopeKind)}
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
            <label className="field-label" htmlFor={id("ttl")}>
              Expires
            </label>
            <select id={id("ttl")} className="select" value={draft.ttl} onChange={(e) => change({ ttl: e.target.value as TtlChoice })}>
              {ttlChoices.map((m) => (
                <option key={m.value} value={m.value}>
                  {m.label}
                </option>
              ))}
            </select>
          </div>
          {draft.ttl === "after" && (
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

        <section className="editor__preview" aria-label="Rule preview" aria-busy={preview.status === "loading"}>
          <h3>Past commands this rule matches</h3>
          <RulePreview state={preview} />
          {deniedFromServer > deniedFromPreview && (
            <p className="notice" role="alert">
              The server found {deniedFromServer} denied {deniedFromServer === 1 ? "command" : "commands"} this rule would
              have approved.
            </p>
          )}
        </section>

        {unchecked && (
          <p className="notice" role="alert">
            Not every past command could be checked in time
            {preview.status === "ready" ? ` (${preview.result.scanned} checked)` : ""}, so this rule may approve commands
            a reviewer denied.
          </p>
        )}
        {needsConfirm && (
          <label className="editor__confirm">
            <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmedKey(e.target.checked ? key : null)} />{" "}
            {denied > 0
              ? `I understand this rule would have approved ${denied} denied command(s)`
              : "I understand not every past command could be checked"}
          </label>
        )}

        {!draft.pattern.trim() && <p className="editor__hint muted">{problems.pattern}</p>}
        {saveError && (
          <p role="alert" className="notice notice--error">
            Could not save: {saveError}
          </p>
        )}

        <div className="modal__actions">
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className={save.kind === "approve" ? "btn btn--approve" : "btn btn--primary"} disabled={!canSave}>
            {saving ? "Saving…" : submitLabel(save)}
          </button>
        </div>
      </form>
    </Modal>
  );
}
