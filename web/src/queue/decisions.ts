import {
  api,
  call,
  ApiError,
  type AlreadyDecidedDetails,
  type CommandView,
  type ForbiddenDetails,
  type NotEligibleDetails,
  type SeparationOfDutiesDetails,
  type WhitelistRuleSpec,
} from "../api";
import { roleWithArticle } from "../auth/role";

export async function approveCommand(id: string, note: string): Promise<CommandView> {
  return call(api.POST("/api/v1/commands/{command_id}/approve", { params: { path: { command_id: id } }, body: noteBody(note) }));
}

export async function denyCommand(id: string, note: string): Promise<CommandView> {
  return call(api.POST("/api/v1/commands/{command_id}/deny", { params: { path: { command_id: id } }, body: noteBody(note) }));
}

export async function approveWithRule(
  id: string,
  note: string,
  whitelist: WhitelistRuleSpec,
  confirmDeniedMatches: boolean,
): Promise<CommandView> {
  const body = { ...noteBody(note), whitelist, ...(confirmDeniedMatches ? { confirm_denied_matches: true } : {}) };
  return call(api.POST("/api/v1/commands/{command_id}/approve", { params: { path: { command_id: id } }, body }));
}

/** Approve `text` instead of what the agent sent: the agent then runs exactly this. */
export async function approveEdited(id: string, note: string, text: string): Promise<CommandView> {
  const body = { ...noteBody(note), command: text };
  return call(api.POST("/api/v1/commands/{command_id}/approve", { params: { path: { command_id: id } }, body }));
}

function noteBody(note: string): { note?: string } {
  const trimmed = note.trim();
  return trimmed ? { note: trimmed } : {};
}

const DECISION_WORDS: Record<string, string> = {
  approved: "approved",
  denied: "denied",
  timed_out: "timed out",
  cancelled: "cancelled",
};

/** "Already approved by alice" for a 409 `already_decided`. */
export function alreadyDecidedText(error: ApiError): string {
  const d = error.detailsAs<AlreadyDecidedDetails>();
  const what = DECISION_WORDS[d.decision ?? ""] ?? d.decision ?? "decided";
  if (d.decision === "timed_out") return "Already timed out";
  if (d.decision === "cancelled") return "Already cancelled by the agent";
  return d.reviewer ? `Already ${what} by ${d.reviewer}` : `Already ${what}`;
}

/**
 * The server said no to this reviewer (wrong role, linked to the agent, voted
 * already, read-only): news for the reviewer, never a failure to retry and
 * never a success. Null for any other error.
 */
export function refusalText(error: ApiError): string | null {
  switch (error.code) {
    case "not_eligible": {
      const d = error.detailsAs<NotEligibleDetails>();
      if (!d.needs) return `Not yours to decide: ${error.message}.`;
      const yours = d.role ? ` (you are ${roleWithArticle(d.role)})` : "";
      return `Not yours to decide: this command needs ${roleWithArticle(d.needs)} or above${yours}.`;
    }
    case "separation_of_duties": {
      const agent = error.detailsAs<SeparationOfDutiesDetails>().agent;
      const linked = agent ? `the agent ${agent}` : "the agent that sent it";
      return `You may not approve this: you are linked to ${linked} (separation of duties). Another reviewer must decide.`;
    }
    case "already_voted":
      return "You have already voted on this command; it now waits for other reviewers.";
    case "forbidden":
      return error.detailsAs<ForbiddenDetails>().role === "auditor"
        ? "Read-only: auditors cannot approve or deny commands."
        : `Not allowed: ${error.message}.`;
    case "cannot_read_encrypted":
      return error.message;
    default:
      return null;
  }
}

/** What a failed decision request says on the card. */
export function decisionErrorText(kind: "approve" | "deny" | "whitelist" | "edit", error: ApiError): string {
  return refusalText(error) ?? `${kind === "deny" ? "Deny" : "Approve"} failed: ${error.message}`;
}
