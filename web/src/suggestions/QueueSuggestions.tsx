import { useEffect, useMemo, useRef } from "react";
import { Link } from "react-router";
import type { CommandView } from "../api";
import { mayDecide, useRole } from "../auth/role";
import { useDebounced } from "../ui/useDebounced";
import { coveredCount } from "./relevance";
import { SuggestionItem } from "./SuggestionItem";
import { useSuggestions } from "./useSuggestions";
import "./suggestions.css";

/** The queue shows this many; the Whitelist page shows them all. */
export const QUEUE_SUGGESTIONS_SHOWN = 4;
/** Decisions feed the suggestions: look again once the queue has been still this long. */
const RELOAD_AFTER_MS = 2000;

/**
 * The queue's "Suggested rules" aside: the open suggestions, those that would
 * approve commands waiting now first, so a reviewer facing the fifth
 * `rm /tmp/build-*` of the day can make it the last.
 */
export function QueueSuggestions({ commands }: { commands: readonly CommandView[] }) {
  const suggestions = useSuggestions();
  const canAct = mayDecide(useRole().role);
  const { load, reload } = suggestions;

  const ids = commands.map((c) => c.id).join(" ");
  const settled = useDebounced(ids, RELOAD_AFTER_MS);
  const lastIds = useRef(settled);
  useEffect(() => {
    if (settled === lastIds.current) return;
    lastIds.current = settled;
    reload();
  }, [settled, reload]);

  const ranked = useMemo(() => {
    if (load.status !== "ready") return [];
    return load.items
      .map((s) => ({ s, covers: coveredCount(s, commands) }))
      .sort((a, b) => b.covers - a.covers || b.s.evidence.would_auto_approve - a.s.evidence.would_auto_approve);
  }, [load, commands]);
  const shown = ranked.slice(0, QUEUE_SUGGESTIONS_SHOWN);
  const more = ranked.length - shown.length;

  return (
    <aside className="queue__aside suggested suggested--compact" aria-labelledby="queue-suggested-title">
      <h2 id="queue-suggested-title">
        Suggested rules {ranked.length > 0 && <span className="muted">({ranked.length})</span>}
      </h2>
      <p role="status" className="suggested__flash">
        {suggestions.flash}
      </p>
      {load.status === "loading" && <p className="muted">Loading…</p>}
      {load.status === "error" && (
        <p className="muted">
          Suggestions are unavailable ({load.error.message}).{" "}
          <button type="button" className="btn btn--ghost btn--small" onClick={reload}>
            Try again
          </button>
        </p>
      )}
      {load.status === "ready" && ranked.length === 0 && (
        <p className="muted">None right now. Rules are suggested once reviewers approve similar commands again and again.</p>
      )}
      {shown.length > 0 && (
        <ul className="sugg-list">
          {shown.map(({ s, covers }) => (
            <SuggestionItem
              key={s.id}
              suggestion={s}
              compact
              covers={covers}
              busy={suggestions.busy[s.id]}
              error={suggestions.errors[s.id]}
              canAct={canAct}
              onAccept={(ttl) => void suggestions.accept(s, ttl)}
              onDismiss={() => void suggestions.dismiss(s)}
            />
          ))}
        </ul>
      )}
      {load.status === "ready" && ranked.length > 0 && (
        <p className="suggested__all">
          <Link to="/whitelist">{more > 0 ? `All ${ranked.length} suggestions and their evidence` : "Evidence on the Whitelist page"}</Link>
        </p>
      )}
    </aside>
  );
}
