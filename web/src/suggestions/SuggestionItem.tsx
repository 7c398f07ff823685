import { useId, useState } from "react";
import { Link } from "react-router";
import type { SuggestedRule } from "../api";
import { InertText } from "../ui/InertText";
import { inertPlain, truncate } from "../ui/inertText";
import { TTL_PRESETS, type TtlChoice } from "../whitelist/rules";
import { evidenceDetail, evidenceSummary, evidenceWarnings } from "./evidence";
import type { SuggestionAction } from "./useSuggestions";

const TTL_CHOICES = TTL_PRESETS.filter((p) => p.value !== "after");
const EXAMPLES_SHOWN = 3;

interface Props {
  suggestion: SuggestedRule;
  busy: SuggestionAction | undefined;
  error: string | undefined;
  /** False for auditors: they see the evidence, not the buttons. */
  canAct: boolean;
  /** The queue's short form: examples folded away. */
  compact?: boolean;
  /** Commands waiting now that the rule would approve. */
  covers?: number;
  onAccept(ttlSeconds: number | null): void;
  onDismiss(): void;
}

function scopeText(scope: string): string {
  if (scope === "global") return "everywhere";
  if (scope.startsWith("target:")) return `on ${scope.slice("target:".length)}`;
  if (scope.startsWith("group:")) return `on group ${scope.slice("group:".length)}`;
  return `on ${scope}`;
}

function Examples({ examples }: { examples: string[] }) {
  return (
    <ul className="sugg__examples" aria-label="Examples">
      {examples.slice(0, EXAMPLES_SHOWN).map((example, i) => (
        <li key={i}>
          <code>
            <InertText text={example} singleLine max={200} />
          </code>
        </li>
      ))}
    </ul>
  );
}

/** One learnt rule: what it is, why it is suggested, and Accept (with an expiry) or Dismiss. */
export function SuggestionItem({ suggestion, busy, error, canAct, compact = false, covers = 0, onAccept, onDismiss }: Props) {
  const uid = useId();
  const [ttl, setTtl] = useState<TtlChoice>("never");
  const { evidence } = suggestion;
  const warnings = evidenceWarnings(evidence);
  const name = truncate(inertPlain(suggestion.pattern), 60);
  const examples = evidence.examples.length > 0 && <Examples examples={evidence.examples} />;

  return (
    <li className={`sugg${compact ? " sugg--compact" : ""}`} aria-labelledby={`${uid}-pattern`}>
      <div className="sugg__head">
        <span className="badge">{suggestion.type}</span>
        <code id={`${uid}-pattern`} className="sugg__pattern">
          <InertText text={suggestion.pattern} singleLine max={compact ? 160 : 600} />
        </code>
      </div>
      <p className="sugg__line">
        <span className="sugg__scope">{scopeText(suggestion.scope)}</span>
        {covers > 0 && (
          <span className="badge badge--pending sugg__covers">
            covers {covers} waiting
          </span>
        )}
      </p>
      <p className="sugg__evidence" title={suggestion.summary}>
        {evidenceSummary(evidence)}
      </p>
      {!compact && <p className="sugg__summary muted">{evidenceDetail(evidence)}</p>}
      {suggestion.upgrade_of_rule_id && (
        <p className="sugg__line muted">
          Replaces the narrower rule{" "}
          <Link to={`/whitelist?rule=${encodeURIComponent(suggestion.upgrade_of_rule_id)}`}>
            <code>{suggestion.upgrade_of_rule_id}</code>
          </Link>
          , which is expired when this one is accepted.
        </p>
      )}
      {warnings.map((w) => (
        <p key={w} className="sugg__warning">
          <span aria-hidden="true">⚠</span> {w}
        </p>
      ))}
      {compact
        ? examples && (
            <details className="sugg__more">
              <summary>Examples</summary>
              {examples}
            </details>
          )
        : examples}
      {canAct && (
        <div className="sugg__actions">
          <label className="sugg__ttl">
            <span>Expires</span>
            <select
              className="select select--small"
              value={ttl}
              disabled={busy !== undefined}
              onChange={(e) => setTtl(e.target.value as TtlChoice)}
            >
              {TTL_CHOICES.map((p) => (
                <option key={p.value} value={p.value}>
                  {p.value === "never" ? "Never" : `After ${p.label}`}
                </option>
              ))}
            </select>
          </label>
          <button
            type="button"
            className="btn btn--primary btn--small"
            disabled={busy !== undefined}
            aria-label={`Accept suggested rule ${name}`}
            onClick={() => onAccept(ttl === "never" ? null : Number(ttl))}
          >
            {busy === "accept" ? "Accepting…" : "Accept"}
          </button>
          <button
            type="button"
            className="btn btn--ghost btn--small"
            disabled={busy !== undefined}
            aria-label={`Dismiss suggested rule ${name}`}
            onClick={onDismiss}
          >
            {busy === "dismiss" ? "Dismissing…" : "Dismiss"}
          </button>
        </div>
      )}
      {error && (
        <p role="alert" className="notice notice--error sugg__error">
          {error}
        </p>
      )}
    </li>
  );
}
