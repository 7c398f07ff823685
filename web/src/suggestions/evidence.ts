/** How a suggestion's evidence reads: what past decisions say about the rule. */
import type { SuggestionEvidence } from "../api";

function times(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** "approved 12×, denied 0 · would have auto-approved 31" */
export function evidenceSummary(e: SuggestionEvidence): string {
  return `approved ${e.approved}×, denied ${e.denied} · would have auto-approved ${e.would_auto_approve}`;
}

/** Reasons to look twice before accepting, most serious first. */
export function evidenceWarnings(e: SuggestionEvidence): string[] {
  const warnings: string[] = [];
  if (e.matched_denied > 0) warnings.push(`It matches ${times(e.matched_denied, "command")} a reviewer denied.`);
  if (e.matched_high_risk > 0) warnings.push(`It matches ${times(e.matched_high_risk, "high-risk command")}.`);
  return warnings;
}

/** "3 distinct commands, approved by alice and bob" */
export function evidenceDetail(e: SuggestionEvidence): string {
  const who = e.reviewers.length === 0 ? "" : `, approved by ${listOf(e.reviewers)}`;
  return `${times(e.distinct_commands, "distinct command")}${who}; ${e.scanned} past commands checked`;
}

function listOf(names: string[]): string {
  if (names.length <= 1) return names.join("");
  if (names.length > 4) return `${names.slice(0, 3).join(", ")} and ${names.length - 3} others`;
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}
