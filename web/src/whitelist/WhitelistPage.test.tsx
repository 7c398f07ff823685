import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { stubApi } from "../test/http";
import { location, renderAt } from "../test/renderAt";
import { makeRule } from "./fixtures";
import { WhitelistPage } from "./WhitelistPage";

afterEach(() => vi.unstubAllGlobals());

describe("WhitelistPage", () => {
  it("lists rules with their usage, origin and expiry", async () => {
    stubApi({
      "GET /api/v1/whitelist": () => ({
        body: {
          items: [
            makeRule({
              pattern: "<b>kubectl</b> get *",
              type: "glob",
              scope: "group:staging",
              hit_count: 42,
              created_from_command_id: "cmd_3",
              created_from_command: "kubectl get pods\u001b[0m",
            }),
            makeRule({ pattern: "uptime", expired: true, expires_at: "2029-01-01T00:00:00Z" }),
          ],
        },
      }),
    });
    const { container } = renderAt(<WhitelistPage />, "/whitelist", "/whitelist");
    const rows = (await screen.findAllByRole("row")).slice(1);

    expect(within(rows[0]!).getByText("<b>kubectl</b> get *")).toBeInTheDocument();
    expect(container.querySelector("td b")).toBeNull();
    expect(within(rows[0]!).getByText("42")).toBeInTheDocument();
    expect(within(rows[0]!).getByText("group:staging")).toBeInTheDocument();
    const origin = within(rows[0]!).getByRole("link", { name: /kubectl get pods/ });
    expect(origin).toHaveAttribute("href", "/commands/cmd_3");
    expect(origin.textContent).not.toContain("\u001b");
    expect(within(rows[0]!).getByText("Never")).toBeInTheDocument();
    expect(within(rows[1]!).getByText("Expired")).toBeInTheDocument();
    expect(within(rows[1]!).getByRole("button", { name: /Expire rule uptime now/ })).toBeDisabled();
  });

  it("expires a rule now", async () => {
    const user = userEvent.setup();
    const rule = makeRule({ id: "rule_1", pattern: "ls" });
    const calls = stubApi({
      "GET /api/v1/whitelist": () => ({ body: { items: [rule] } }),
      "POST /api/v1/whitelist/rule_1/expire": () => ({
        body: { ...rule, expired: true, expires_at: "2030-01-01T00:00:00Z" },
      }),
    });
    renderAt(<WhitelistPage />, "/whitelist", "/whitelist");
    await user.click(await screen.findByRole("button", { name: "Expire rule ls now" }));

    expect(await screen.findByText("Expired")).toBeInTheDocument();
    expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual(["/api/v1/whitelist/rule_1/expire"]);
    expect(screen.getByText(/Rule expired/)).toHaveAttribute("role", "status");
  });

  it("deletes a rule only after the confirm step", async () => {
    const user = userEvent.setup();
    const calls = stubApi({
      "GET /api/v1/whitelist": () => ({ body: { items: [makeRule({ id: "rule_1", pattern: "ls" })] } }),
      "DELETE /api/v1/whitelist/rule_1": () => ({ status: 204 }),
    });
    renderAt(<WhitelistPage />, "/whitelist", "/whitelist");

    await user.click(await screen.findByRole("button", { name: "Delete rule ls" }));
    const dialog = screen.getByRole("alertdialog", { name: "Delete this rule?" });
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    expect(screen.getByText("ls")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Delete rule ls" }));
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Delete rule" }));
    await waitFor(() => expect(screen.queryByText("ls")).toBeNull());
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/api/v1/whitelist/rule_1"]);
    expect(screen.getByText("Rule deleted.")).toHaveAttribute("role", "status");
  });

  it("shows just the rule named by ?rule=, highlighted", async () => {
    const calls = stubApi({
      "GET /api/v1/whitelist/rule_7": () => ({ body: makeRule({ id: "rule_7", pattern: "make test" }) }),
    });
    renderAt(<WhitelistPage />, "/whitelist?rule=rule_7", "/whitelist");
    const cell = await screen.findByText("make test");
    expect(cell.closest("tr")).toHaveAttribute("aria-current", "true");
    expect(calls.map((c) => c.path)).toEqual(["/api/v1/whitelist/rule_7"]);
    expect(screen.getByRole("link", { name: "Show all rules" })).toHaveAttribute("href", "/whitelist");
  });

  it("says so when the linked rule no longer exists", async () => {
    stubApi({});
    renderAt(<WhitelistPage />, "/whitelist?rule=rule_gone", "/whitelist");
    expect(await screen.findByText("No such rule")).toBeInTheDocument();
  });

  it("searches patterns through ?q=", async () => {
    const user = userEvent.setup();
    const calls = stubApi({
      "GET /api/v1/whitelist": ({ query }) => ({
        body: { items: query.get("q") ? [] : [makeRule({ pattern: "ls" })] },
      }),
    });
    renderAt(<WhitelistPage />, "/whitelist", "/whitelist");
    await screen.findByText("ls");
    await user.type(screen.getByLabelText("Search patterns"), "kubectl");

    expect(await screen.findByText("No rule matches “kubectl”")).toBeInTheDocument();
    expect(location().search).toBe("?q=kubectl");
    expect(calls.at(-1)!.query.get("q")).toBe("kubectl");
  });
});
