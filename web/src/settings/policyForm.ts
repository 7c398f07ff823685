/** The approval-policy editor's form state, its checks, and how the server's errors map onto its fields. */
import type {
  ApiError,
  ApprovalPolicyBody,
  ApprovalPolicyView,
  InvalidRequestDetails,
  PolicyUnsatisfiableDetails,
  VoteMode,
} from "../api";
import { formatScope, parseScope, type Scope } from "../whitelist/rules";

export type DecidingRole = NonNullable<ApprovalPolicyBody["min_role"]>;
export type PatternType = NonNullable<ApprovalPolicyBody["command_pattern_type"]>;

export const DECIDING_ROLES: readonly DecidingRole[] = ["reviewer", "senior", "admin"];
export const PATTERN_TYPES: readonly PatternType[] = ["glob", "regex", "exact"];
/** The server's bounds (approvals/schemas.py). */
export const MAX_APPROVERS = 10;
export const MAX_PRIORITY = 10_000;

export interface PolicyDraft {
  name: string;
  priority: string;
  scope: Scope;
  minRisk: string;
  pattern: string;
  patternType: PatternType;
  minRole: DecidingRole;
  approvers: string;
  mode: VoteMode;
}

export type PolicyField = "name" | "priority" | "scope" | "minRisk" | "pattern" | "approvers";
export type PolicyProblems = Partial<Record<PolicyField | "form", string>>;

export function policyDraftOf(policy: ApprovalPolicyView | null): PolicyDraft {
  if (!policy) {
    return {
      name: "",
      priority: "100",
      scope: { kind: "global", name: "" },
      minRisk: "",
      pattern: "",
      patternType: "glob",
      minRole: "senior",
      approvers: "1",
      mode: "AllOf",
    };
  }
  return {
    name: policy.name,
    priority: String(policy.priority),
    scope: policy.target_scope ? parseScope(policy.target_scope) : { kind: "global", name: "" },
    minRisk: policy.min_risk === null ? "" : String(policy.min_risk),
    pattern: policy.command_pattern ?? "",
    patternType: policy.command_pattern_type ?? "glob",
    minRole: policy.min_role,
    approvers: String(policy.require_n_approvers),
    mode: policy.policy,
  };
}

function wholeIn(raw: string, min: number, max: number): boolean {
  return /^\d+$/.test(raw.trim()) && Number(raw) >= min && Number(raw) <= max;
}

export function policyProblems(draft: PolicyDraft): PolicyProblems {
  const problems: PolicyProblems = {};
  if (!draft.name.trim()) problems.name = "Give the policy a name.";
  else if (draft.name.length > 200) problems.name = "Names are at most 200 characters.";
  if (!wholeIn(draft.priority, 0, MAX_PRIORITY)) problems.priority = `A whole number from 0 to ${MAX_PRIORITY}.`;
  if (draft.scope.kind !== "global" && !draft.scope.name.trim()) {
    problems.scope = draft.scope.kind === "group" ? "Name the target group." : "Name the target.";
  }
  if (draft.minRisk.trim() && !wholeIn(draft.minRisk, 0, 100)) problems.minRisk = "A whole number from 0 to 100, or blank.";
  if (draft.pattern.length > 4096) problems.pattern = "Patterns are at most 4096 characters.";
  if (!wholeIn(draft.approvers, 1, MAX_APPROVERS)) problems.approvers = `A whole number from 1 to ${MAX_APPROVERS}.`;
  return problems;
}

export function policyBodyOf(draft: PolicyDraft): ApprovalPolicyBody {
  const pattern = draft.pattern.trim() ? draft.pattern : null;
  return {
    name: draft.name.trim(),
    priority: Number(draft.priority),
    target_scope: draft.scope.kind === "global" ? null : formatScope(draft.scope),
    min_risk: draft.minRisk.trim() ? Number(draft.minRisk) : null,
    command_pattern: pattern,
    command_pattern_type: pattern ? draft.patternType : null,
    min_role: draft.minRole,
    require_n_approvers: Number(draft.approvers),
    policy: draft.mode,
  };
}

const FIELD_OF_BODY: Record<string, PolicyField> = {
  name: "name",
  priority: "priority",
  target_scope: "scope",
  min_risk: "minRisk",
  command_pattern: "pattern",
  command_pattern_type: "pattern",
  require_n_approvers: "approvers",
};

/** Where the server's refusal belongs in the form: next to its field, else above the buttons. */
export function serverProblems(error: ApiError, minRole: DecidingRole): PolicyProblems {
  switch (error.code) {
    case "policy_unsatisfiable": {
      const d = error.detailsAs<PolicyUnsatisfiableDetails>();
      if (d.required === undefined || d.eligible === undefined) return { approvers: error.message };
      const who = d.eligible === 1 ? "reviewer is" : "reviewers are";
      return {
        approvers: `Only ${d.eligible} ${who} ${minRole} or above, so ${d.required} approvals could never come. Lower the number, or give more reviewers that role first.`,
      };
    }
    case "invalid_pattern":
      return { pattern: error.message };
    case "invalid_request": {
      const d = error.detailsAs<InvalidRequestDetails>();
      const first = d.problems?.[0];
      const field = first ? FIELD_OF_BODY[first.loc[first.loc.length - 1] ?? ""] : d.field ? FIELD_OF_BODY[d.field] : undefined;
      return field ? { [field]: first?.message ?? error.message } : { form: error.message };
    }
    default:
      return { form: error.message };
  }
}

/** "target prod · risk ≥ 50 · commands matching glob `psql *`", or "every command". */
export function appliesTo(policy: ApprovalPolicyView): string[] {
  const parts: string[] = [];
  if (policy.target_scope) {
    const scope = parseScope(policy.target_scope);
    parts.push(scope.kind === "group" ? `target group ${scope.name}` : `target ${scope.name}`);
  }
  if (policy.min_risk !== null) parts.push(`risk ≥ ${policy.min_risk}`);
  return parts;
}

/** "2 approvals (AllOf) by senior or above" */
export function needsText(policy: Pick<ApprovalPolicyView, "require_n_approvers" | "policy" | "min_role">): string {
  const n = policy.require_n_approvers;
  const approvals = n === 1 ? "1 approval" : `${n} approvals (${policy.policy})`;
  return `${approvals} by ${policy.min_role} or above`;
}
