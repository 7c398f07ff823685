import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ReviewerRole } from "../api";
import { RoleProvider } from "../auth/role";
import { makeOrg } from "../test/factories";
import { stubApi } from "../test/http";
import { renderAt } from "../test/renderAt";
import { retentionProblem } from "./RecordingForm";
import { SettingsPage } from "./SettingsPage";

vi.mock("../auth/session", () => ({
  useSignedInSession: () => ({
    reviewer: { id: "rev_1", name: "alice" },
    org: { id: "org_1", name: "Acme", timeout_seconds: 300 },
    expires_at: "2030-01-01T00:00:00Z",
  }),
}));

afterEach(() => vi.unstubAllGlobals());

function serve() {
  let org = makeOrg({ recording_retention_days: 90 });
  return stubApi({
    "GET /api/v1/org": () => ({ body: org }),
    "PATCH /api/v1/org": ({ body }) => {
      org = { ...org, ...(body as object) };
      return { body: org };
    },
    "GET /api/v1/keys": () => ({ body: { items: [] } }),
    "GET /api/v1/policies": () => ({ body: { items: [], senior_risk_threshold: 70 } }),
    "GET /api/v1/reviewers": () => ({ body: { items: [] } }),
    "GET /api/v1/agents": () => ({ body: { items: [] } }),
  });
}

function renderSettings(role: ReviewerRole) {
  return renderAt(
    <RoleProvider role={role}>
      <SettingsPage />
    </RoleProvider>,
    "/settings",
  );
}

describe("Terminal recordings settings", () => {
  it("records keystrokes and changes the retention, refusing what is not a number of days", async () => {
    const user = userEvent.setup();
    const calls = serve();
    renderSettings("admin");
    const card = within(screen.getByRole("region", { name: "Terminal recordings" }));
    const days = await card.findByLabelText("Delete recordings after (days)");
    expect(days).toHaveValue("90");
    expect(card.getByRole("checkbox", { name: "Record keystrokes too" })).not.toBeChecked();

    await user.click(card.getByRole("checkbox", { name: "Record keystrokes too" }));
    await user.clear(days);
    await user.type(days, "0");
    await user.click(card.getByRole("button", { name: "Save" }));
    expect(card.getByText("Between 1 and 3650 days.")).toBeInTheDocument();
    expect(days).toHaveAttribute("aria-invalid", "true");

    await user.clear(days);
    await user.type(days, "30");
    await user.click(card.getByRole("button", { name: "Save" }));
    await card.findByText("Saved — recordings are deleted 30 days after they finish.");

    await user.clear(days);
    await user.click(card.getByRole("button", { name: "Save" }));
    await card.findByText("Saved — recordings are kept.");
    expect(calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([
      { record_input: true, recording_retention_days: 30 },
      { record_input: true, recording_retention_days: null },
    ]);
  });

  it("is read-only for everyone but admins", async () => {
    serve();
    renderSettings("auditor");
    const card = within(screen.getByRole("region", { name: "Terminal recordings" }));
    expect(await card.findByLabelText("Delete recordings after (days)")).toBeDisabled();
    expect(card.queryByRole("button", { name: "Save" })).toBeNull();
  });

  it("checks retention values", () => {
    expect(retentionProblem("")).toBeNull();
    expect(retentionProblem(" 365 ")).toBeNull();
    expect(retentionProblem("1.5")).toMatch(/whole number/);
    expect(retentionProblem("3651")).toMatch(/Between/);
  });
});
