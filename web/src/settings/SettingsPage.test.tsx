import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { errorBody, stubApi, type Recorded } from "../test/http";
import { makeOrg } from "../test/factories";
import { renderAt } from "../test/renderAt";
import { SettingsPage } from "./SettingsPage";
import { timeoutProblem } from "./timeout";

vi.mock("../auth/session", () => ({
  useSignedInSession: () => ({
    reviewer: { id: "rev_1", name: "Alice Reviewer" },
    org: { id: "org_1", name: "Acme", timeout_seconds: 300 },
    expires_at: "2030-01-01T00:00:00Z",
  }),
}));

afterEach(() => vi.unstubAllGlobals());

function patches(calls: Recorded[]) {
  return calls.filter((c) => c.method === "PATCH");
}

function serveOrg(onPatch?: (seconds: number) => { status?: number; body?: unknown }) {
  let timeout = 300;
  return stubApi({
    "GET /api/v1/org": () => ({ body: makeOrg({ timeout_seconds: timeout }) }),
    "GET /api/v1/keys": () => ({ body: { items: [] } }),
    "PATCH /api/v1/org": ({ body }) => {
      const seconds = (body as { timeout_seconds: number }).timeout_seconds;
      const reply = onPatch?.(seconds);
      if (reply) return reply;
      timeout = seconds;
      return { body: makeOrg({ timeout_seconds: seconds }) };
    },
  });
}

describe("timeout validation", () => {
  it("accepts 30 to 600 whole seconds only", () => {
    expect(timeoutProblem("30")).toBeNull();
    expect(timeoutProblem("600")).toBeNull();
    expect(timeoutProblem("29")).toMatch(/shortest/);
    expect(timeoutProblem("601")).toMatch(/longest/);
    expect(timeoutProblem("")).not.toBeNull();
    expect(timeoutProblem("90.5")).not.toBeNull();
    expect(timeoutProblem("1e3")).not.toBeNull();
  });
});

/** The decision-timeout card: every settings card has its own Save. */
const timeoutCard = () => within(screen.getByRole("region", { name: "Decision timeout" }));

describe("SettingsPage", () => {
  it("shows who is signed in and the org's current timeout", async () => {
    serveOrg();
    renderAt(<SettingsPage />, "/settings");
    expect(await screen.findByLabelText("Timeout in seconds")).toHaveValue(300);
    expect(screen.getByText("Alice Reviewer")).toBeInTheDocument();
    expect(screen.getByText("Acme")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "5 min" })).toHaveAttribute("aria-pressed", "true");
  });

  it.each(["29", "601"])("refuses %s seconds without asking the server", async (value) => {
    const user = userEvent.setup();
    const calls = serveOrg();
    renderAt(<SettingsPage />, "/settings");
    const input = await screen.findByLabelText("Timeout in seconds");

    await user.clear(input);
    await user.type(input, value);
    await user.click(timeoutCard().getByRole("button", { name: "Save" }));

    expect(timeoutCard().getByRole("alert")).toHaveTextContent(value === "29" ? /shortest timeout is 30/ : /longest timeout is 600/);
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(patches(calls)).toHaveLength(0);
  });

  it("saves a preset and confirms when it applies", async () => {
    const user = userEvent.setup();
    const calls = serveOrg();
    renderAt(<SettingsPage />, "/settings");
    await user.click(await screen.findByRole("button", { name: "2 min" }));
    expect(screen.getByLabelText("Timeout in seconds")).toHaveValue(120);
    await user.click(timeoutCard().getByRole("button", { name: "Save" }));

    await waitFor(() =>
      expect(screen.getByText(/Saved/)).toHaveTextContent("Saved — applies to commands submitted from now on."),
    );
    expect(screen.getByText(/Saved/)).toHaveAttribute("role", "status");
    expect(patches(calls).map((c) => c.body)).toEqual([{ timeout_seconds: 120 }]);
  });

  it("shows the server's refusal", async () => {
    const user = userEvent.setup();
    serveOrg(() => ({ status: 403, body: errorBody("permission_denied", "Only admins may change the policy") }));
    renderAt(<SettingsPage />, "/settings");
    const input = await screen.findByLabelText("Timeout in seconds");
    await user.clear(input);
    await user.type(input, "45");
    await user.click(timeoutCard().getByRole("button", { name: "Save" }));

    expect(await timeoutCard().findByRole("alert")).toHaveTextContent("Only admins may change the policy");
    expect(screen.queryByText(/Saved —/)).toBeNull();
  });
});
