/** How a card words who may decide a command and how far its approvals have come. */
import type { CommandView, Requirement, Vote, VoteMode } from "../api";
import { roleWithArticle } from "../auth/role";

/** One approval by any reviewer: the card says nothing about who may decide. */
export function isRoutine(requirement: Requirement): boolean {
  return requirement.required === 1 && requirement.min_role === "reviewer";
}

export const MODE_HINT: Record<VoteMode, string> = {
  AllOf: "every approval is needed: one deny denies it",
  AnyOf: "a deny is one vote against; denied only once the approvals can no longer come",
};

/** "2 of 3 approvals (AllOf)" */
export function approvalsText(command: Pick<CommandView, "approvals" | "requirement">): string {
  const { required, mode } = command.requirement;
  return `${command.approvals} of ${required} approvals (${mode})`;
}

/**
 * The parts of the requirement line, or [] for a routine command:
 * "Needs a senior", "1 of 2 approvals (AllOf)", "risk 85" (when the default
 * routing sent it up by risk rather than a policy).
 */
export function requirementParts(command: CommandView): string[] {
  const requirement = command.requirement;
  if (isRoutine(requirement) && command.votes.length === 0) return [];
  const parts: string[] = [];
  if (requirement.min_role !== "reviewer") parts.push(`Needs ${roleWithArticle(requirement.min_role)}`);
  if (requirement.required > 1) parts.push(approvalsText(command));
  if (requirement.policy_id === null && requirement.min_role !== "reviewer") parts.push(`risk ${command.risk_score}`);
  return parts;
}

/** How many more approvals the command waits for. */
export function approvalsMissing(command: Pick<CommandView, "approvals" | "requirement">): number {
  return Math.max(0, command.requirement.required - command.approvals);
}

/** This reviewer's vote on the command, if any (votes name reviewers, not ids). */
export function voteOf(command: CommandView, reviewerName: string | null): Vote | null {
  if (!reviewerName) return null;
  return command.votes.find((v) => v.reviewer === reviewerName) ?? null;
}

/** "You approved; waiting for 1 more approval." */
export function ownVoteText(command: CommandView, vote: Vote): string {
  const missing = approvalsMissing(command);
  const did = vote.vote === "approve" ? "You approved" : "You voted to deny";
  if (missing === 0) return `${did}.`;
  return `${did}; waiting for ${missing} more ${missing === 1 ? "approval" : "approvals"}.`;
}
