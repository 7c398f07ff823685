import { Link } from "react-router";
import { StatusBadge } from "../history/StatusBadge";
import { formatDateTime, formatShortDateTime } from "../history/format";
import { InertText } from "../ui/InertText";
import type { PreviewResult } from "./rulesApi";
import type { PreviewState } from "./usePreview";

const LISTED = 8;

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function Summary({ result }: { result: PreviewResult }) {
  const scanned = `the ${result.truncated ? "newest " : ""}${plural(result.scanned, "past command", "past commands")}`;
  if (result.matched === 0) return <p>Would have matched none of {scanned}.</p>;
  return (
    <p>
      Would have matched <strong>{result.matched}</strong> of {scanned}.
    </p>
  );
}

function Matches({ result }: { result: PreviewResult }) {
  // Denied ones first: they are the reason to look.
  const shown = [...result.matches].sort((a, b) => Number(b.status === "denied") - Number(a.status === "denied")).slice(0, LISTED);
  return (
    <>
      <div aria-live="polite">
        <Summary result={result} />
        {result.denied_matched > 0 && (
          <p className="notice">
            <span aria-hidden="true">⚠ </span>
            <strong>{plural(result.denied_matched, "of them was", "of them were")} denied</strong> by a reviewer. This
            rule would approve {result.denied_matched === 1 ? "that command" : "those commands"} without asking anyone.
          </p>
        )}
      </div>
      {shown.length > 0 && (
        <ul className="preview__list" aria-label="Matching past commands">
          {shown.map((m) => (
            <li key={m.id}>
              <StatusBadge status={m.status} />{" "}
              <Link to={`/commands/${encodeURIComponent(m.id)}`} target="_blank" rel="noopener">
                <code>
                  <InertText text={m.command} singleLine max={160} />
                </code>
              </Link>{" "}
              <span className="muted">
                {m.agent}
                {m.target ? ` → ${m.target}` : ""} · <time dateTime={m.created_at} title={formatDateTime(m.created_at)}>
                  {formatShortDateTime(m.created_at)}
                </time>
              </span>
            </li>
          ))}
        </ul>
      )}
      {result.matched > shown.length && <p className="muted">…and {result.matched - shown.length} more.</p>}
    </>
  );
}

/** The editor's answer to "what would this rule have approved?" */
export function RulePreview({ state }: { state: PreviewState }) {
  if (state.status === "idle") return <p className="muted">Complete the rule to see which past commands it matches.</p>;
  if (state.status === "loading") {
    // The last answer stays up (dimmed) while the next is checked, so the dialog does not jump as one types.
    if (!state.previous) return <p className="muted">Checking past commands…</p>;
    return (
      <div className="preview preview--stale">
        <Matches result={state.previous} />
      </div>
    );
  }
  if (state.status === "error") {
    // invalid_pattern is shown at the pattern field itself.
    if (state.error.code === "invalid_pattern") return null;
    return <p className="error-text">Could not preview this rule: {state.error.message}</p>;
  }
  return (
    <div className="preview">
      <Matches result={state.result} />
    </div>
  );
}
