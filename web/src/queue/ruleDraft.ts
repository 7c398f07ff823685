/** The rule editor's form state and how it becomes a `WhitelistRuleSpec`. */
import type { RuleType, WhitelistRuleSpec } from "../api";

export type ScopeKind = "global" | "target" | "group";
export type TtlChoice = "none" | "3600" | "86400" | "604800" | "2592000" | "custom";
export type CustomUnit = "minutes" | "hours" | "days";

export interface RuleDraft {
  type: RuleType;
  pattern: string;
  scopeKind: ScopeKind;
  group: string;
  ttl: TtlChoice;
  customAmount: string;
  customUnit: CustomUnit;
}

export const TTL_OPTIONS: { value: TtlChoice; label: string }[] = [
  { value: "none", label: "Never expires" },
  { value: "3600", label: "1 hour" },
  { value: "86400", label: "1 day" },
  { value: "604800", label: "7 days" },
  { value: "2592000", label: "30 days" },
  { value: "custom", label: "Custom…" },
];

const UNIT_SECONDS: Record<CustomUnit, number> = { minutes: 60, hours: 3600, days: 86400 };
const MAX_TTL_SECONDS = 315_360_000;

/** Parse "group:NAME" / "target:NAME" / "global" into the editor's fields. */
export function draftFromScope(scope: string, target: string | null): Pick<RuleDraft, "scopeKind" | "group"> {
  if (scope.startsWith("group:")) return { scopeKind: "group", group: scope.slice("group:".length) };
  if (scope.startsWith("target:") && target && scope === `target:${target}`) return { scopeKind: "target", group: "" };
  return { scopeKind: "global", group: "" };
}

export function scopeOf(draft: RuleDraft, target: string | null): string | null {
  switch (draft.scopeKind) {
    case "global":
      return "global";
    case "target":
      return target ? `target:${target}` : null;
    case "group": {
      const name = draft.group.trim();
      return name ? `group:${name}` : null;
    }
  }
}

/** Seconds, null for "never", or undefined when the custom value is not valid. */
export function ttlSecondsOf(draft: RuleDraft): number | null | undefined {
  if (draft.ttl === "none") return null;
  if (draft.ttl !== "custom") return Number(draft.ttl);
  const amount = Number(draft.customAmount);
  if (!Number.isFinite(amount) || amount <= 0) return undefined;
  const seconds = Math.round(amount * UNIT_SECONDS[draft.customUnit]);
  return seconds >= 1 && seconds <= MAX_TTL_SECONDS ? seconds : undefined;
}

/** The spec to send, or a human reason why the form is not complete yet. */
export type CompleteSpec = WhitelistRuleSpec & { pattern: string; ttl_seconds: number | null };

export function specOf(draft: RuleDraft, target: string | null): { spec: CompleteSpec } | { problem: string } {
  if (!draft.pattern.trim()) return { problem: "Enter a pattern." };
  const scope = scopeOf(draft, target);
  if (!scope) return { problem: "Enter a group name." };
  const ttl = ttlSecondsOf(draft);
  if (ttl === undefined) return { problem: "Enter a positive custom expiry." };
  return { spec: { pattern: draft.pattern, type: draft.type, scope, ttl_seconds: ttl } };
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
