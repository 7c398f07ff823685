import { screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RoleProvider } from "../auth/role";
import { makeCommand, makeRequirement, makeVote } from "../test/factories";
import { stubApi } from "../test/http";
import { renderAt } from "../test/renderAt";
import { CommandDetailPage } from "./CommandDetailPage";

afterEach(() => vi.unstubAllGlobals());

function serve(command: ReturnType<typeof makeCommand>) {
  stubApi({
    [`GET /api/v1/commands/${command.id}`]: () => ({ body: command }),
    [`GET /api/v1/commands/${command.id}/audit`]: () => ({ body: { items: [], latency_ms: null } }),
  });
}

describe("the command page and policy", () => {
  it("shows an edited command's text, its original, who voted, and anomalies in words", async () => {
    serve(
      makeCommand({
        id: "cmd_1",
        command: "rm -rf /srv/cache",
        approved_command: "rm -r /srv/cache/tmp",
        edited: true,
        anomalies: ["destructive"],
        requirement: makeRequirement({ min_role: "senior", required: 2, reason: "two seniors", policy_id: "pol_1" }),
        approvals: 1,
        votes: [makeVote("bob", { role: "senior", note: "narrowed it" })],
      }),
    );
    renderAt(<CommandDetailPage />, "/commands/cmd_1", "/commands/:id");
    expect(await screen.findByText("rm -r /srv/cache/tmp")).toBeInTheDocument();
    expect(screen.getByText("rm -rf /srv/cache")).toBeInTheDocument();
    expect(screen.getByText(/1 of 2 approvals \(AllOf\) by senior or above/)).toBeInTheDocument();
    expect(screen.getByText(/approved by bob/)).toHaveTextContent("narrowed it");
    expect(screen.getByText("Destructive")).toBeInTheDocument();
  });

  it("offers auditors no decision", async () => {
    serve(makeCommand({ id: "cmd_1" }));
    renderAt(
      <RoleProvider role="auditor">
        <CommandDetailPage />
      </RoleProvider>,
      "/commands/cmd_1",
      "/commands/:id",
    );
    expect(await screen.findByText(/Read-only: auditors/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Approve" })).toBeNull();
  });
});
