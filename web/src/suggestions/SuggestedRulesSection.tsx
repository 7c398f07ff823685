import type { SuggestedRule } from "../api";
import { mayDecide, useRole } from "../auth/role";
import { SuggestionItem } from "./SuggestionItem";
import { useSuggestions } from "./useSuggestions";
import "./suggestions.css";

/**
 * The Whitelist page's "Suggested rules": rules learnt from past decisions,
 * each with its evidence. Accepting one creates the rule (`onAccepted`).
 */
export function SuggestedRulesSection({ onAccepted }: { onAccepted(accepted: SuggestedRule): void }) {
  const suggestions = useSuggestions(onAccepted);
  const canAct = mayDecide(useRole().role);
  const { load } = suggestions;

  return (
    <section className="suggested" aria-labelledby="suggested-title">
      <div className="suggested__head">
        <h2 id="suggested-title">
          Suggested rules{" "}
          {load.status === "ready" && load.items.length > 0 && <span className="muted">({load.items.length})</span>}
        </h2>
        {canAct && (
          <button type="button" className="btn btn--small" disabled={suggestions.refreshing} onClick={() => void suggestions.recompute()}>
            {suggestions.refreshing ? "Checking…" : "Check history now"}
          </button>
        )}
      </div>
      <p className="muted suggested__intro">
        Learnt from what reviewers approved again and again. Each shows the past decisions it rests on; nothing changes until
        someone accepts it.
      </p>
      <p role="status" className="suggested__flash">
        {suggestions.flash}
      </p>
      {load.status === "loading" && <p className="muted">Loading suggestions…</p>}
      {load.status === "error" && (
        <p role="alert" className="notice notice--error">
          Could not load suggestions: {load.error.message}{" "}
          <button type="button" className="btn btn--small" onClick={suggestions.reload}>
            Try again
          </button>
        </p>
      )}
      {load.status === "ready" && load.items.length === 0 && <p className="muted">No suggestions right now.</p>}
      {load.status === "ready" && load.items.length > 0 && (
        <ul className="sugg-list">
          {load.items.map((s) => (
            <SuggestionItem
              key={s.id}
              suggestion={s}
              busy={suggestions.busy[s.id]}
              error={suggestions.errors[s.id]}
              canAct={canAct}
              onAccept={(ttl) => void suggestions.accept(s, ttl)}
              onDismiss={() => void suggestions.dismiss(s)}
            />
          ))}
        </ul>
      )}
    </section>
  );
}
