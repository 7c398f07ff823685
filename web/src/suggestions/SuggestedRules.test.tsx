import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { RoleProvider } from "../auth/role";
import { makeCommand, makeSuggestedRule } from "../test/factories";
import { apiError, errorBody, json, stubApi } from "../test/http";
import { renderAt } from "../test/renderAt";
import { renderQueue } from "../test/renderQueue";
import { makeRule } from "../whitelist/fixtures";
import { WhitelistPage } from "../whitelist/WhitelistPage";
import { evidenceSummary, evidenceWarnings } from "./evidence";

afterEach(() => vi.unstubAllGlobals());

const section = () => screen.getByRole("region", { name: /Suggested rules/ });
const item = (pattern: string) => {
  const found = within(section()).getAllByRole("listitem").find((li) => li.querySelector(".sugg__pattern")?.textContent === pattern);
  if (!found) throw new Error(`no suggestion ${pattern}`);
  return found;
};

function serveWhitelist(overrides: Parameters<typeof stubApi>[0] = {}) {
  let rules = [makeRule({ pattern: "uptime" })];
  let suggestions = [
    makeSuggestedRule({ id: "sug_1", pattern: "rm /tmp/build-*", evidence: { examples: ["rm /tmp/build-1\u001b[2J", "rm /tmp/<b>x</b>"] } as never }),
    makeSuggestedRule({
      id: "sug_2",
      pattern: "kubectl get *",
      scope: "target:prod",
      upgrade_of_rule_id: "rule_9",
      evidence: { matched_denied: 2 } as never,
    }),
  ];
  const calls = stubApi({
    "GET /api/v1/whitelist": () => ({ body: { items: rules } }),
    "GET /api/v1/suggestions": () => ({ body: { items: suggestions } }),
    "POST /api/v1/suggestions/sug_1/accept": () => {
      rules = [makeRule({ id: "rule_new", pattern: "rm /tmp/build-*", type: "glob" }), ...rules];
      suggestions = suggestions.filter((s) => s.id !== "sug_1");
      return { body: { ...makeSuggestedRule({ id: "sug_1" }), status: "accepted", rule_id: "rule_new" } };
    },
    "POST /api/v1/suggestions/sug_2/dismiss": () => ({ body: { ...makeSuggestedRule({ id: "sug_2" }), status: "dismissed" } }),
    "POST /api/v1/suggestions/refresh": () => ({ body: { items: suggestions } }),
    ...overrides,
  });
  return calls;
}

describe("evidence wording", () => {
  it("summarises what the rule rests on and warns of denied matches", () => {
    const { evidence } = makeSuggestedRule({ evidence: { matched_denied: 1, matched_high_risk: 3 } as never });
    expect(evidenceSummary(evidence)).toBe("approved 12×, denied 0 · would have auto-approved 31");
    expect(evidenceWarnings(evidence)).toEqual(["It matches 1 command a reviewer denied.", "It matches 3 high-risk commands."]);
  });
});

describe("suggested rules on the Whitelist page", () => {
  it("shows each suggestion with its scope, evidence and masked examples as inert text", async () => {
    serveWhitelist();
    renderAt(<WhitelistPage />, "/whitelist", "/whitelist");
    const first = await waitFor(() => item("rm /tmp/build-*"));
    expect(first).toHaveTextContent("everywhere");
    expect(first).toHaveTextContent("approved 12×, denied 0 · would have auto-approved 31");
    const examples = within(first).getByRole("list", { name: "Examples" });
    expect(examples).toHaveTextContent("rm /tmp/build-1\\x1b[2J");
    expect(examples).toHaveTextContent("rm /tmp/<b>x</b>");
    expect(examples.querySelector("b")).toBeNull();
    const second = item("kubectl get *");
    expect(second).toHaveTextContent("on prod");
    expect(second).toHaveTextContent("It matches 2 commands a reviewer denied.");
    expect(within(second).getByRole("link", { name: "rule_9" })).toHaveAttribute("href", "/whitelist?rule=rule_9");
  });

  it("accepts with an expiry: the suggestion goes and the rule shows in the list", async () => {
    const user = userEvent.setup();
    const calls = serveWhitelist();
    renderAt(<WhitelistPage />, "/whitelist", "/whitelist");
    const first = await waitFor(() => item("rm /tmp/build-*"));
    await user.selectOptions(within(first).getByLabelText("Expires"), "After 1 day");
    await user.click(within(first).getByRole("button", { name: "Accept suggested rule rm /tmp/build-*" }));

    await waitFor(() => expect(within(section()).queryByText("rm /tmp/build-*")).toBeNull());
    expect(screen.getByText("Rule created: rm /tmp/build-*")).toHaveAttribute("role", "status");
    const table = screen.getByRole("table");
    expect(await within(table).findByText("rm /tmp/build-*")).toBeInTheDocument();
    expect(calls.find((c) => c.path.endsWith("/accept"))?.body).toEqual({ ttl_seconds: 86400 });
  });

  it("shows why an accept was refused and keeps the suggestion", async () => {
    const user = userEvent.setup();
    serveWhitelist({
      "POST /api/v1/suggestions/sug_1/accept": () => ({
        status: 409,
        body: errorBody("rule_matches_denied", "x", { denied_matched: 1, examples: [] }),
      }),
    });
    renderAt(<WhitelistPage />, "/whitelist", "/whitelist");
    const first = await waitFor(() => item("rm /tmp/build-*"));
    await user.click(within(first).getByRole("button", { name: /^Accept/ }));
    expect(await within(first).findByRole("alert")).toHaveTextContent(
      "Not created: this rule would now approve 1 command a reviewer denied.",
    );
    expect(item("rm /tmp/build-*")).toBeInTheDocument();
  });

  it("drops a suggestion someone else already took, saying so", async () => {
    const user = userEvent.setup();
    serveWhitelist({
      "POST /api/v1/suggestions/sug_1/accept": () => ({ status: 409, body: errorBody("suggestion_not_open", "x") }),
    });
    renderAt(<WhitelistPage />, "/whitelist", "/whitelist");
    await user.click(within(await waitFor(() => item("rm /tmp/build-*"))).getByRole("button", { name: /^Accept/ }));
    expect(await screen.findByText(/no longer open/)).toHaveAttribute("role", "status");
    expect(within(section()).queryByText("rm /tmp/build-*")).toBeNull();
  });

  it("dismisses, and checks history again on request", async () => {
    const user = userEvent.setup();
    const calls = serveWhitelist();
    renderAt(<WhitelistPage />, "/whitelist", "/whitelist");
    const second = await waitFor(() => item("kubectl get *"));
    await user.click(within(second).getByRole("button", { name: "Dismiss suggested rule kubectl get *" }));
    await waitFor(() => expect(within(section()).queryByText("kubectl get *")).toBeNull());
    expect(screen.getByText(/will not be suggested again/)).toBeInTheDocument();
    await user.click(within(section()).getByRole("button", { name: "Check history now" }));
    await waitFor(() => expect(calls.some((c) => c.path === "/api/v1/suggestions/refresh")).toBe(true));
  });

  it("is read-only for auditors, like the rules", async () => {
    serveWhitelist();
    renderAt(
      <RoleProvider role="auditor">
        <WhitelistPage />
      </RoleProvider>,
      "/whitelist",
      "/whitelist",
    );
    const first = await waitFor(() => item("rm /tmp/build-*"));
    expect(within(first).queryByRole("button")).toBeNull();
    expect(within(section()).queryByRole("button", { name: "Check history now" })).toBeNull();
    expect(screen.queryByRole("button", { name: "New rule" })).toBeNull();
    expect(await screen.findByText("uptime")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Edit rule/ })).toBeNull();
    expect(screen.getByText(/Read-only/)).toBeInTheDocument();
  });
});

describe("suggested rules beside the queue", () => {
  const open = [
    makeSuggestedRule({ id: "sug_a", pattern: "ls -la", type: "exact", evidence: { would_auto_approve: 90 } as never }),
    makeSuggestedRule({ id: "sug_b", pattern: "rm /tmp/build-*", type: "glob", evidence: { would_auto_approve: 5 } as never }),
  ];

  it("puts first the ones that would approve what is waiting, and accepts from there", async () => {
    const accept = vi.fn(() => json(200, { ...open[1], status: "accepted" }));
    renderQueue(
      [makeCommand({ id: "c1", command: "rm /tmp/build-4" }), makeCommand({ id: "c2", command: "rm /tmp/build-5" })],
      { "GET /api/v1/suggestions": () => json(200, { items: open }), "POST /api/v1/suggestions/sug_b/accept": accept },
    );
    const aside = await screen.findByRole("complementary", { name: /Suggested rules/ });
    const items = await within(aside).findAllByRole("listitem", { name: /./ });
    expect(items.map((li) => li.querySelector(".sugg__pattern")?.textContent)).toEqual(["rm /tmp/build-*", "ls -la"]);
    expect(items[0]).toHaveTextContent("covers 2 waiting");
    await userEvent.click(within(items[0]!).getByRole("button", { name: /^Accept/ }));
    await waitFor(() => expect(within(aside).queryByText("rm /tmp/build-*")).toBeNull());
    expect(accept).toHaveBeenCalledTimes(1);
    expect(within(aside).getByRole("link", { name: /Whitelist page/ })).toHaveAttribute("href", "/whitelist");
  });

  it("shows an error on the suggestion when accepting fails", async () => {
    renderQueue([makeCommand({ id: "c1" })], {
      "GET /api/v1/suggestions": () => json(200, { items: open }),
      "POST /api/v1/suggestions/sug_a/accept": () => apiError(500, "internal_error", "database down"),
    });
    const aside = await screen.findByRole("complementary", { name: /Suggested rules/ });
    const first = (await within(aside).findAllByRole("listitem", { name: /./ }))[0]!;
    await userEvent.click(within(first).getByRole("button", { name: /^Accept/ }));
    expect(await within(first).findByRole("alert")).toHaveTextContent("Could not accept the suggestion: database down");
  });

  it("shows auditors the evidence without the buttons", async () => {
    renderQueue([], { "GET /api/v1/suggestions": () => json(200, { items: open }) }, { role: "auditor" });
    const aside = await screen.findByRole("complementary", { name: /Suggested rules/ });
    await within(aside).findAllByRole("listitem", { name: /./ });
    expect(within(aside).queryByRole("button", { name: /Accept|Dismiss/ })).toBeNull();
  });
});
