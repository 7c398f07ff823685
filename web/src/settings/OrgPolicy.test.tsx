import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ApprovalPolicyView, ReviewerRole } from "../api";
import { RoleProvider } from "../auth/role";
import { makeOrg } from "../test/factories";
import { errorBody, stubApi, type Reply } from "../test/http";
import { renderAt } from "../test/renderAt";
import { egressProblem, hoursProblems, parseHosts, thresholdProblem } from "./orgPolicy";
import { policyBodyOf, policyDraftOf } from "./policyForm";
import { SettingsPage } from "./SettingsPage";

vi.mock("../auth/session", () => ({
  useSignedInSession: () => ({
    reviewer: { id: "rev_1", name: "alice" },
    org: { id: "org_1", name: "Acme", timeout_seconds: 300 },
    expires_at: "2030-01-01T00:00:00Z",
  }),
}));

afterEach(() => vi.unstubAllGlobals());

function makePolicy(overrides: Partial<ApprovalPolicyView> = {}): ApprovalPolicyView {
  return {
    id: "pol_1",
    name: "prod database",
    priority: 10,
    target_scope: "target:prod-db",
    min_risk: 50,
    command_pattern: "psql *",
    command_pattern_type: "glob",
    min_role: "senior",
    require_n_approvers: 2,
    policy: "AllOf",
    created_at: "2030-01-01T00:00:00Z",
    updated_at: "2030-01-01T00:00:00Z",
    created_by: "alice",
    eligible_reviewers: 3,
    ...overrides,
  };
}

const REVIEWERS = [
  { id: "rev_1", name: "alice", role: "admin", online: true, owns_agents: [] },
  { id: "rev_2", name: "bob", role: "reviewer", online: false, owns_agents: ["deploy-bot"] },
];
const AGENTS = [{ id: "agt_1", name: "deploy-bot", owner_reviewer_id: "rev_2", owner: "bob" }];

type Handler = (call: { body: unknown }) => Reply;

function serve(overrides: Record<string, Handler> = {}) {
  let policies = [makePolicy({ id: "pol_2", name: "second", priority: 50, target_scope: null, min_risk: null, command_pattern: null, command_pattern_type: null, require_n_approvers: 1, min_role: "admin" }), makePolicy()];
  policies.sort((a, b) => a.priority - b.priority);
  let org = makeOrg();
  return stubApi({
    "GET /api/v1/org": () => ({ body: org }),
    "PATCH /api/v1/org": ({ body }) => {
      org = { ...org, ...(body as object) };
      return { body: org };
    },
    "GET /api/v1/keys": () => ({ body: { items: [] } }),
    "GET /api/v1/policies": () => ({ body: { items: policies, senior_risk_threshold: 70 } }),
    "POST /api/v1/policies": ({ body }) => {
      const created = makePolicy({ ...(body as object), id: "pol_new" });
      policies = [...policies, created];
      return { status: 201, body: created };
    },
    "DELETE /api/v1/policies/pol_1": () => {
      policies = policies.filter((p) => p.id !== "pol_1");
      return { status: 204 };
    },
    "GET /api/v1/reviewers": () => ({ body: { items: REVIEWERS } }),
    "GET /api/v1/agents": () => ({ body: { items: AGENTS } }),
    "PATCH /api/v1/reviewers/rev_2": ({ body }) => ({ body: { ...REVIEWERS[1], ...(body as object) } }),
    "PATCH /api/v1/agents/agt_1": ({ body }) => ({ body: { ...AGENTS[0], ...(body as object), owner: null } }),
    ...overrides,
  });
}

function renderSettings(role?: ReviewerRole) {
  return renderAt(
    <RoleProvider role={role}>
      <SettingsPage />
    </RoleProvider>,
    "/settings",
  );
}

const card = (name: string) => within(screen.getByRole("region", { name }));

describe("policy form helpers", () => {
  it("check thresholds, hours and hosts", () => {
    expect(thresholdProblem("101")).toBeNull();
    expect(thresholdProblem("102")).toMatch(/highest/);
    expect(thresholdProblem("7.5")).not.toBeNull();
    expect(hoursProblems({ enabled: true, timezone: "", days: [], start: "9", end: "09:00" })).toEqual({
      timezone: expect.any(String),
      days: "Pick at least one day.",
      start: "Enter a time as HH:MM.",
    });
    expect(hoursProblems({ enabled: true, timezone: "UTC", days: [1], start: "09:00", end: "09:00" }).end).toMatch(/differ/);
    expect(hoursProblems({ enabled: false, timezone: "", days: [], start: "", end: "" })).toEqual({});
    expect(parseHosts(" API.example.com\n\n.corp.example, s3.amazonaws.com ")).toEqual(["api.example.com", ".corp.example", "s3.amazonaws.com"]);
    expect(egressProblem(["https://x.example/upload"])).toMatch(/host names only/);
  });

  it("turns a stored policy into a form and back", () => {
    const policy = makePolicy();
    expect(policyBodyOf(policyDraftOf(policy))).toEqual({
      name: "prod database",
      priority: 10,
      target_scope: "target:prod-db",
      min_risk: 50,
      command_pattern: "psql *",
      command_pattern_type: "glob",
      min_role: "senior",
      require_n_approvers: 2,
      policy: "AllOf",
    });
  });
});

describe("organisation policy", () => {
  it("saves the timeout action and the senior threshold together", async () => {
    const user = userEvent.setup();
    const calls = serve();
    renderSettings("admin");
    const escalation = card("Timeouts and senior review");
    await user.click(await escalation.findByRole("radio", { name: /Escalate it once/ }));
    const threshold = escalation.getByLabelText("Senior review from risk");
    await user.clear(threshold);
    await user.type(threshold, "60");
    expect(escalation.getByText(/risk 60 or more need a senior/)).toBeInTheDocument();
    await user.click(escalation.getByRole("button", { name: "Save" }));
    expect(await escalation.findByText(/Saved/)).toHaveAttribute("role", "status");
    expect(calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([
      { timeout_action: "escalate", senior_risk_threshold: 60 },
    ]);
  });

  it("sets working hours, refusing an empty week, and clears them", async () => {
    const user = userEvent.setup();
    const calls = serve();
    renderSettings("admin");
    const hours = card("Working hours");
    await user.click(await hours.findByRole("checkbox", { name: "Set working hours" }));
    const zone = hours.getByLabelText("Time zone");
    await user.clear(zone);
    await user.type(zone, "Europe/Berlin");
    for (const day of ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]) {
      await user.click(hours.getByRole("checkbox", { name: day }));
    }
    await user.click(hours.getByRole("button", { name: "Save" }));
    expect(hours.getByText("Pick at least one day.")).toBeInTheDocument();
    expect(calls.filter((c) => c.method === "PATCH")).toHaveLength(0);

    await user.click(hours.getByRole("checkbox", { name: "Saturday" }));
    await user.click(hours.getByRole("button", { name: "Save" }));
    await hours.findByText(/unusual-activity rule now uses these hours/);
    await user.click(hours.getByRole("checkbox", { name: "Set working hours" }));
    await user.click(hours.getByRole("button", { name: "Save" }));
    await hours.findByText(/no working hours are set/);
    expect(calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([
      { working_hours: { timezone: "Europe/Berlin", days: [6], start: "09:00", end: "17:00" } },
      { working_hours: null },
    ]);
  });

  it("saves the egress allow-list one host per line, and refuses URLs", async () => {
    const user = userEvent.setup();
    const calls = serve();
    renderSettings("admin");
    const egress = card("Egress allow-list");
    const hosts = await egress.findByLabelText("Allowed hosts");
    await user.type(hosts, "https://uploads.example.com/x");
    await user.click(egress.getByRole("button", { name: "Save" }));
    expect(egress.getByText(/host names only/)).toBeInTheDocument();
    expect(hosts).toHaveAttribute("aria-invalid", "true");
    await user.clear(hosts);
    await user.type(hosts, "uploads.example.com{Enter}.corp.example");
    await user.click(egress.getByRole("button", { name: "Save" }));
    await egress.findByText("Saved — 2 hosts allowed.");
    expect(calls.filter((c) => c.method === "PATCH").map((c) => c.body)).toEqual([
      { egress_allow_list: ["uploads.example.com", ".corp.example"] },
    ]);
  });

  it("is read-only for everyone but admins", async () => {
    serve();
    renderSettings("senior");
    expect(await screen.findByText(/Only admins change the organisation’s policy/)).toBeInTheDocument();
    const escalation = card("Timeouts and senior review");
    expect(await escalation.findByRole("radio", { name: /Deny it/ })).toBeDisabled();
    expect(card("Decision timeout").getByLabelText("Timeout in seconds")).toBeDisabled();
    expect(screen.queryByRole("button", { name: "Save" })).toBeNull();
    const policies = card("Approval policies");
    await policies.findByText("prod database");
    expect(policies.queryByRole("button", { name: /New policy|Edit policy|Delete policy/ })).toBeNull();
    const people = card("People");
    await people.findByText("bob", { selector: ".person__name" });
    expect(people.queryByRole("combobox")).toBeNull();
    expect(people.getByText("Reviewer")).toBeInTheDocument();
    expect(screen.getByText("Senior")).toBeInTheDocument(); // the signed-in role
  });
});

describe("approval policies", () => {
  it("lists them in priority order, then the default routing", async () => {
    serve();
    renderSettings("admin");
    const list = await card("Approval policies").findByRole("list", { name: /in the order they are tried/ });
    const items = within(list).getAllByRole("listitem");
    expect(items.map((li) => li.querySelector("strong")?.textContent)).toEqual(["prod database", "second", "Default routing"]);
    expect(items[0]).toHaveTextContent("target prod-db · risk ≥ 50 · commands matching glob psql *");
    expect(items[0]).toHaveTextContent("2 approvals (AllOf) by senior or above · 3 reviewers may approve now");
    expect(items[1]).toHaveTextContent("every command");
    expect(items[2]).toHaveTextContent("risk 70 or more need a senior");
  });

  it("checks a new policy, shows policy_unsatisfiable by its field, and saves once fixed", async () => {
    const user = userEvent.setup();
    let refuse = true;
    const calls = serve({
      "POST /api/v1/policies": ({ body }) =>
        refuse
          ? {
              status: 422,
              body: errorBody("policy_unsatisfiable", "not enough", { policy: "two admins", required: 3, eligible: 1 }),
            }
          : { status: 201, body: makePolicy({ ...(body as object), id: "pol_new" }) },
    });
    renderSettings("admin");
    await user.click(await card("Approval policies").findByRole("button", { name: "New policy" }));
    const dialog = within(screen.getByRole("dialog", { name: "New approval policy" }));

    await user.click(dialog.getByRole("button", { name: "Create policy" }));
    expect(dialog.getByLabelText("Name")).toHaveAttribute("aria-invalid", "true");
    expect(dialog.getByLabelText("Name")).toHaveAccessibleDescription("Give the policy a name.");
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);

    await user.type(dialog.getByLabelText("Name"), "two admins");
    await user.selectOptions(dialog.getByLabelText("Least role"), "admin or above");
    const approvals = dialog.getByLabelText("Approvals needed");
    await user.clear(approvals);
    await user.type(approvals, "3");
    await user.click(dialog.getByRole("radio", { name: /AnyOf/ }));
    await user.click(dialog.getByRole("button", { name: "Create policy" }));
    await waitFor(() => expect(approvals).toHaveAttribute("aria-invalid", "true"));
    expect(approvals).toHaveAccessibleDescription(/Only 1 reviewer is admin or above, so 3 approvals could never come/);

    refuse = false;
    await user.clear(approvals);
    await user.type(approvals, "1");
    expect(approvals).not.toHaveAttribute("aria-invalid");
    await user.click(dialog.getByRole("button", { name: "Create policy" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(card("Approval policies").getByText("Policy “two admins” created.")).toBeInTheDocument();
    const posts = calls.filter((c) => c.method === "POST").map((c) => c.body);
    expect(posts[posts.length - 1]).toEqual({
      name: "two admins",
      priority: 100,
      target_scope: null,
      min_risk: null,
      command_pattern: null,
      command_pattern_type: null,
      min_role: "admin",
      require_n_approvers: 1,
      policy: "AnyOf",
    });
  });

  it.each([
    [errorBody("invalid_pattern", "unbalanced ( in regex"), "Command pattern", /^unbalanced \( in regex/],
    [
      errorBody("invalid_request", "priority: too big", { problems: [{ loc: ["body", "priority"], message: "less than or equal to 10000" }] }),
      "Priority",
      /less than or equal to 10000/,
    ],
  ])("puts a 422 next to its field (%#)", async (body, label, message) => {
    const user = userEvent.setup();
    serve({ "PUT /api/v1/policies/pol_1": () => ({ status: 422, body }) });
    renderSettings("admin");
    await user.click(await card("Approval policies").findByRole("button", { name: "Edit policy prod database" }));
    const dialog = within(screen.getByRole("dialog", { name: "Edit approval policy" }));
    expect(dialog.getByLabelText("Command pattern")).toHaveValue("psql *");
    await user.click(dialog.getByRole("button", { name: "Save policy" }));
    const field = dialog.getByLabelText(label);
    await waitFor(() => expect(field).toHaveAttribute("aria-invalid", "true"));
    expect(field).toHaveAccessibleDescription(message);
  });

  it("deletes after a confirmation", async () => {
    const user = userEvent.setup();
    const calls = serve();
    renderSettings("admin");
    await user.click(await card("Approval policies").findByRole("button", { name: "Delete policy prod database" }));
    await user.click(within(screen.getByRole("alertdialog", { name: "Delete this policy?" })).getByRole("button", { name: "Delete policy" }));
    await waitFor(() => expect(card("Approval policies").queryByText("prod database")).toBeNull());
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/api/v1/policies/pol_1"]);
  });
});

describe("people", () => {
  it("shows who is online and lets an admin change roles and agent links", async () => {
    const user = userEvent.setup();
    const calls = serve();
    renderSettings("admin");
    const people = card("People");
    const bob = (await people.findByText("bob", { selector: ".person__name" })).closest("li")!;
    expect(bob).toHaveTextContent("offline");
    expect(bob).toHaveTextContent("linked to deploy-bot");
    expect(people.getByText("alice", { selector: ".person__name" }).closest("li")).toHaveTextContent("online");

    await user.selectOptions(people.getByLabelText("Role of bob"), "senior");
    expect(await people.findByText("bob is now senior.")).toBeInTheDocument();
    await user.selectOptions(people.getByLabelText("Reviewer linked to deploy-bot"), "Nobody");
    expect(await people.findByText("deploy-bot is linked to nobody.")).toBeInTheDocument();
    expect(calls.filter((c) => c.method === "PATCH").map((c) => [c.path, c.body])).toEqual([
      ["/api/v1/reviewers/rev_2", { role: "senior" }],
      ["/api/v1/agents/agt_1", { owner_reviewer_id: null }],
    ]);
  });

  it("explains a refused role change next to the reviewer", async () => {
    const user = userEvent.setup();
    serve({
      "PATCH /api/v1/reviewers/rev_2": () => ({
        status: 422,
        body: errorBody("policy_unsatisfiable", "x", { policy: "prod database", required: 2, eligible: 1 }),
      }),
    });
    renderSettings("admin");
    const people = card("People");
    await user.selectOptions(await people.findByLabelText("Role of bob"), "auditor");
    expect(await people.findByRole("alert")).toHaveTextContent(
      "Not changed: policy “prod database” needs 2 approvers and would be left with 1.",
    );
    expect(people.getByLabelText("Role of bob")).toHaveValue("reviewer");
  });
});
