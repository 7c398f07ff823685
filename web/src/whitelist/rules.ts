import type { RuleType, WhitelistRuleView } from "../api";

export const RULE_TYPES: readonly RuleType[] = ["exact", "glob", "regex"];
export const RULE_TYPE_HINT: Record<RuleType, string> = {
  exact: "The whole command, exactly (surrounding whitespace ignored).",
  glob: "Shell-style: * any run of characters (not a newline), ? one character, [a-z] classes.",
  regex: "RE2 syntax, matching the whole command. No backreferences or lookaround.",
};

export type ScopeKind = "global" | "group" | "target";
export interface Scope {
  kind: ScopeKind;
  name: string;
}

/** "group:web" → {group, web}; anything unrecognised stays visible as a target name rather than vanishing. */
export function parseScope(scope: string): Scope {
  if (scope === "global") return { kind: "global", name: "" };
  if (scope.startsWith("group:")) return { kind: "group", name: scope.slice("group:".length) };
  if (scope.startsWith("target:")) return { kind: "target", name: scope.slice("target:".length) };
  return { kind: "target", name: scope };
}

export function formatScope({ kind, name }: Scope): string {
  return kind === "global" ? "global" : `${kind}:${name.trim()}`;
}

export const MAX_PATTERN_CHARS = 4096;
/** The server refuses a TTL above ten years (whitelist/schemas.py MAX_TTL_SECONDS). */
export const MAX_TTL_SECONDS = 10 * 365 * 24 * 3600;

export type TtlUnit = "minutes" | "hours" | "days";
export const TTL_UNIT_SECONDS: Record<TtlUnit, number> = { minutes: 60, hours: 3600, days: 86_400 };

/** How the editor sets expiry: leave it (edit only), never expire, or expire after a while from now. */
export type TtlMode = "keep" | "never" | "after";

export interface RuleDraft {
  pattern: string;
  type: RuleType;
  scope: Scope;
  ttlMode: TtlMode;
  ttlAmount: string;
  ttlUnit: TtlUnit;
}

export function draftFor(rule: WhitelistRuleView | null): RuleDraft {
  return {
    pattern: rule?.pattern ?? "",
    type: rule?.type ?? "exact",
    scope: parseScope(rule?.scope ?? "global"),
    ttlMode: rule ? "keep" : "never",
    ttlAmount: "1",
    ttlUnit: "days",
  };
}

export interface DraftProblems {
  pattern?: string;
  scope?: string;
  ttl?: string;
}

export function ttlSeconds(draft: RuleDraft): number | null | undefined {
  if (draft.ttlMode === "keep") return undefined;
  if (draft.ttlMode === "never") return null;
  return Math.round(Number(draft.ttlAmount) * TTL_UNIT_SECONDS[draft.ttlUnit]);
}

export function checkDraft(draft: RuleDraft): DraftProblems {
  const problems: DraftProblems = {};
  if (!draft.pattern.trim()) problems.pattern = "Enter a pattern.";
  else if (draft.pattern.length > MAX_PATTERN_CHARS) problems.pattern = `Patterns are at most ${MAX_PATTERN_CHARS} characters.`;
  if (draft.scope.kind !== "global" && !draft.scope.name.trim()) {
    problems.scope = draft.scope.kind === "group" ? "Name the target group." : "Name the target.";
  }
  if (draft.ttlMode === "after") {
    const amount = Number(draft.ttlAmount);
    const seconds = ttlSeconds(draft) ?? 0;
    if (!draft.ttlAmount.trim() || !Number.isFinite(amount) || amount <= 0) problems.ttl = "Enter a duration above zero.";
    else if (seconds < 1) problems.ttl = "The shortest expiry is one second.";
    else if (seconds > MAX_TTL_SECONDS) problems.ttl = "The longest expiry is ten years.";
  }
  return problems;
}

export function hasProblems(problems: DraftProblems): boolean {
  return Object.values(problems).some(Boolean);
}
