/** The rule editor's form state, how it is checked, and how it becomes what the API takes. */
import type { CommandView, PreviewRequest, RuleType, WhitelistRuleView } from "../api";

export const RULE_TYPES: readonly RuleType[] = ["exact", "glob", "regex"];
export const RULE_TYPE_LABEL: Record<RuleType, string> = { exact: "Exact", glob: "Glob", regex: "Regex" };
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

/**
 * How the editor sets expiry: leave it as it is (editing a rule only), never
 * expire, one of the usual spans, or `after` a custom amount from now.
 */
export type TtlChoice = "keep" | "never" | "3600" | "86400" | "604800" | "2592000" | "after";
export const TTL_PRESETS: { value: TtlChoice; label: string }[] = [
  { value: "never", label: "Never expires" },
  { value: "3600", label: "1 hour" },
  { value: "86400", label: "1 day" },
  { value: "604800", label: "7 days" },
  { value: "2592000", label: "30 days" },
  { value: "after", label: "Expires after…" },
];

export interface RuleDraft {
  pattern: string;
  type: RuleType;
  scope: Scope;
  ttl: TtlChoice;
  ttlAmount: string;
  ttlUnit: TtlUnit;
}

/** Where a rule starts from: a server suggestion or an existing rule. */
export interface RuleSeed {
  type: RuleType;
  pattern: string;
  scope: string;
}

function draftOf(seed: RuleSeed, ttl: TtlChoice): RuleDraft {
  return { pattern: seed.pattern, type: seed.type, scope: parseScope(seed.scope), ttl, ttlAmount: "1", ttlUnit: "days" };
}

/** Editing `rule` keeps its expiry unless changed; a new rule starts empty and never expires. */
export function draftFor(rule: WhitelistRuleView | null): RuleDraft {
  return rule ? draftOf(rule, "keep") : draftOf({ pattern: "", type: "exact", scope: "global" }, "never");
}

/** Whitelisting a command starts from a suggestion, or else from exactly this command everywhere. */
export function draftForCommand(command: CommandView, seed?: RuleSeed): RuleDraft {
  return draftOf(seed ?? { pattern: command.command, type: "exact", scope: "global" }, "never");
}

/** Seconds, null for "never", or undefined to leave the expiry as it is. */
export function ttlSeconds(draft: RuleDraft): number | null | undefined {
  if (draft.ttl === "keep") return undefined;
  if (draft.ttl === "never") return null;
  if (draft.ttl !== "after") return Number(draft.ttl);
  return Math.round(Number(draft.ttlAmount) * TTL_UNIT_SECONDS[draft.ttlUnit]);
}

export interface DraftProblems {
  pattern?: string;
  scope?: string;
  ttl?: string;
}

export function checkDraft(draft: RuleDraft): DraftProblems {
  const problems: DraftProblems = {};
  if (!draft.pattern.trim()) problems.pattern = "Enter a pattern.";
  else if (draft.pattern.length > MAX_PATTERN_CHARS) problems.pattern = `Patterns are at most ${MAX_PATTERN_CHARS} characters.`;
  if (draft.scope.kind !== "global" && !draft.scope.name.trim()) {
    problems.scope = draft.scope.kind === "group" ? "Name the target group." : "Name the target.";
  }
  if (draft.ttl === "after") {
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

/** What to preview, or null while the pattern or scope is not complete. */
export function previewRequestOf(draft: RuleDraft, problems: DraftProblems, excludeCommandId?: string): PreviewRequest | null {
  if (problems.pattern || problems.scope) return null;
  const request: PreviewRequest = { pattern: draft.pattern, type: draft.type, scope: formatScope(draft.scope) };
  return excludeCommandId ? { ...request, exclude_command_id: excludeCommandId } : request;
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
