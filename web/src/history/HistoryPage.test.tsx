import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeCommand } from "../test/factories";
import { inertPlain } from "../ui/inertText";
import { HistoryPage } from "./HistoryPage";
import { errorBody, stubApi, type Recorded } from "../test/http";
import { location, renderAt } from "../test/renderAt";
import { TYPING_DEBOUNCE_MS } from "./useHistoryFilters";

afterEach(() => vi.unstubAllGlobals());

function listCalls(calls: Recorded[]) {
  return calls.filter((c) => c.method === "GET" && c.path === "/api/v1/commands");
}

describe("HistoryPage", () => {
  it("sends the filters in the URL to the server and shows them in the form", async () => {
    const calls = stubApi({ "GET /api/v1/commands": () => ({ body: { items: [makeCommand()], next_before: null } }) });
    renderAt(<HistoryPage />, "/history?status=denied&agent=deploy-bot&via=manual&q=rm", "/history");

    await screen.findByRole("table");
    const query = listCalls(calls)[0]!.query;
    expect(query.get("status")).toBe("denied");
    expect(query.get("agent")).toBe("deploy-bot");
    expect(query.get("via")).toBe("manual");
    expect(query.get("q")).toBe("rm");
    expect(screen.getByLabelText("Status")).toHaveValue("denied");
    expect(screen.getByLabelText("Agent")).toHaveValue("deploy-bot");
    expect(screen.getByLabelText(/Search/)).toHaveValue("rm");
  });

  it("puts a changed filter into the URL and asks the server again", async () => {
    const user = userEvent.setup();
    const calls = stubApi({ "GET /api/v1/commands": () => ({ body: { items: [makeCommand()], next_before: null } }) });
    renderAt(<HistoryPage />, "/history", "/history");
    await screen.findByRole("table");

    await user.selectOptions(screen.getByLabelText("Status"), "timed_out");
    await waitFor(() => expect(location().search).toBe("?status=timed_out"));
    await waitFor(() => expect(listCalls(calls).at(-1)!.query.get("status")).toBe("timed_out"));
  });

  it("debounces the search box into one request", async () => {
    const user = userEvent.setup();
    const calls = stubApi({ "GET /api/v1/commands": () => ({ body: { items: [makeCommand()], next_before: null } }) });
    renderAt(<HistoryPage />, "/history", "/history");
    await screen.findByRole("table");

    await user.type(screen.getByLabelText(/Search/), "kubectl");
    expect(location().search).toBe("");
    await waitFor(() => expect(location().search).toBe("?q=kubectl"), { timeout: TYPING_DEBOUNCE_MS * 4 });
    await waitFor(() => expect(listCalls(calls)).toHaveLength(2));
    expect(listCalls(calls)[1]!.query.get("q")).toBe("kubectl");
  });

  it("renders HTML and terminal escapes in a command as inert text", async () => {
    const nasty = '<img src=x onerror="alert(1)"><b>bold</b>\u001b[2J\u001b[31mrm -rf /\u202e';
    stubApi({
      "GET /api/v1/commands": () => ({
        body: { items: [makeCommand({ id: "cmd_x", command: nasty, status: "denied", reviewer: "alice" })], next_before: null },
      }),
    });
    const { container } = renderAt(<HistoryPage />, "/history", "/history");
    const link = await screen.findByRole("link", { name: /onerror/ });

    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
    expect(link).toHaveTextContent('<img src=x onerror="alert(1)"><b>bold</b>');
    expect(link.textContent).not.toContain("\u001b");
    expect(link.textContent).not.toContain("\u202e");
    // The stand-ins are the shared renderer's (src/ui/inertText.ts); ESC and the bidi override are visible.
    expect(link).toHaveTextContent(inertPlain("\u001b[2J\u001b[31mrm -rf /\u202e"));
    expect(link.querySelectorAll(".inert")).toHaveLength(3);
    expect(link).toHaveAttribute("href", "/commands/cmd_x");
    const row = link.closest("tr")!;
    expect(within(row).getByText("Denied")).toBeInTheDocument();
    expect(within(row).getByText("alice")).toBeInTheDocument();
  });

  it("says who decided: a reviewer, the whitelist or the system", async () => {
    stubApi({
      "GET /api/v1/commands": () => ({
        body: {
          items: [
            makeCommand({ command: "a", status: "approved", whitelisted: true, rule_id: "rule_1" }),
            makeCommand({ command: "b", status: "timed_out" }),
            makeCommand({ command: "c", status: "approved", reviewer: "bob", latency_ms: 1500 }),
          ],
          next_before: null,
        },
      }),
    });
    renderAt(<HistoryPage />, "/history", "/history");
    const rows = (await screen.findAllByRole("row")).slice(1);
    expect(within(rows[0]!).getByText("whitelist")).toBeInTheDocument();
    expect(within(rows[1]!).getByText("system")).toBeInTheDocument();
    expect(within(rows[1]!).getByText("Timed out")).toBeInTheDocument();
    expect(within(rows[2]!).getByText("bob")).toBeInTheDocument();
    expect(within(rows[2]!).getByText("1.5 s")).toBeInTheDocument();
  });

  it("loads the next page with before= and appends it", async () => {
    const user = userEvent.setup();
    const calls = stubApi({
      "GET /api/v1/commands": ({ query }) =>
        query.get("before") === "cmd_2"
          ? { body: { items: [makeCommand({ id: "cmd_1", command: "older" })], next_before: null } }
          : { body: { items: [makeCommand({ id: "cmd_2", command: "newer" })], next_before: "cmd_2" } },
    });
    renderAt(<HistoryPage />, "/history?status=approved", "/history");
    await user.click(await screen.findByRole("button", { name: "Load more" }));

    await screen.findByText("older");
    expect(screen.getByText("newer")).toBeInTheDocument();
    expect(listCalls(calls)[1]!.query.get("status")).toBe("approved");
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });

  it("offers to clear filters when nothing matches", async () => {
    const user = userEvent.setup();
    stubApi({
      "GET /api/v1/commands": ({ query }) => ({
        body: { items: query.get("agent") ? [] : [makeCommand({ command: "ls" })], next_before: null },
      }),
    });
    renderAt(<HistoryPage />, "/history?agent=nobody", "/history");

    expect(await screen.findByText("No commands match these filters")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Clear filters" }));
    await screen.findByText("ls");
    expect(location().search).toBe("");
    expect(screen.getByLabelText("Agent")).toHaveValue("");
  });

  it("shows a server error as an alert with a retry", async () => {
    const user = userEvent.setup();
    let fail = true;
    stubApi({
      "GET /api/v1/commands": () =>
        fail
          ? { status: 422, body: errorBody("invalid_request", "since must be before until") }
          : { body: { items: [makeCommand({ command: "ok" })], next_before: null } },
    });
    renderAt(<HistoryPage />, "/history", "/history");
    expect(await screen.findByRole("alert")).toHaveTextContent("since must be before until");
    fail = false;
    await user.click(screen.getByRole("button", { name: "Try again" }));
    await screen.findByText("ok");
  });
});
