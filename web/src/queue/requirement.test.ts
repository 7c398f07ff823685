import { describe, expect, it } from "vitest";
import { makeCommand, makeRequirement, makeVote } from "../test/factories";
import { isRoutine, ownVoteText, requirementParts, voteOf } from "./requirement";
import { roleWithArticle } from "../auth/role";

describe("requirement wording", () => {
  it("is silent for routine commands", () => {
    expect(isRoutine(makeRequirement())).toBe(true);
    expect(requirementParts(makeCommand())).toEqual([]);
  });

  it("names role, count and risk", () => {
    const senior = makeRequirement({ min_role: "senior" });
    expect(requirementParts(makeCommand({ risk_score: 85, requirement: senior }))).toEqual(["Needs a senior", "risk 85"]);
    const policy = makeRequirement({ min_role: "admin", required: 3, mode: "AnyOf", policy_id: "pol_1" });
    expect(requirementParts(makeCommand({ approvals: 2, requirement: policy }))).toEqual([
      "Needs an admin",
      "2 of 3 approvals (AnyOf)",
    ]);
    const anyTwo = makeRequirement({ required: 2, policy_id: "pol_2" });
    expect(requirementParts(makeCommand({ requirement: anyTwo }))).toEqual(["0 of 2 approvals (AllOf)"]);
  });

  it("finds this reviewer's vote and words it", () => {
    const command = makeCommand({
      requirement: makeRequirement({ required: 3, policy_id: "p" }),
      approvals: 1,
      votes: [makeVote("alice")],
    });
    const vote = voteOf(command, "alice");
    expect(vote?.reviewer).toBe("alice");
    expect(voteOf(command, "bob")).toBeNull();
    expect(voteOf(command, null)).toBeNull();
    expect(ownVoteText(command, vote!)).toBe("You approved; waiting for 2 more approvals.");
  });

  it("puts the right article before a role", () => {
    expect(roleWithArticle("admin")).toBe("an admin");
    expect(roleWithArticle("auditor")).toBe("an auditor");
    expect(roleWithArticle("senior")).toBe("a senior");
  });
});
