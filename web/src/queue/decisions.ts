import { api, call, ApiError, type AlreadyDecidedDetails, type CommandView, type WhitelistRuleSpec } from "../api";

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
