import type { AgentSessionSummary } from "../api";

const LABEL: Record<AgentSessionSummary["status"], [string, string, string]> = {
  active: ["◷", "Active", "badge--pending"],
  completed: ["✓", "Completed", "badge--approved"],
  failed: ["✕", "Failed", "badge--denied"],
};

/** A session's state as a word and a shape; colour only reinforces it. */
export function SessionStatus({ status }: { status: AgentSessionSummary["status"] }) {
  const [mark, word, tone] = LABEL[status];
  return (
    <span className={`badge ${tone}`}>
      <span aria-hidden="true">{mark}</span> {word}
    </span>
  );
}
