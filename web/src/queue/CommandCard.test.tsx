import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { makeCommand, makeEnvelope } from "../test/factories";
import { apiError, json } from "../test/http";
import { renderQueue } from "../test/renderQueue";

const card = (id: string) => document.querySelector<HTMLElement>(`article[data-command-id="${id}"]`);
const mustCard = (id: string) => {
  const el = card(id);
  if (!el) throw new Error(`no card ${id}`);
  return el;
};

describe("command card rendering", () => {
  it("renders HTML and terminal escapes as inert text", () => {
    const evil = '<img src=x onerror="alert(1)"><b>bold</b> \u001b[2J\u001b[31mgotcha\r';
    renderQueue([makeCommand({ id: "c1", command: evil })]);
    const article = mustCard("c1");
    expect(article.querySelector("img, b")).toBeNull();
    const pre = article.querySelector("pre");
    expect(pre?.textContent).toContain('<img src=x onerror="alert(1)"><b>bold</b>');
    const inert = Array.from(article.querySelectorAll("pre .inert")).map((n) => n.textContent);
    expect(inert).toEqual(["\\x1b", "\\x1b", "\\r"]);
    expect(pre?.textContent).not.toContain("\u001b");
    expect(article.getAttribute("aria-label")?.startsWith('<img src=x onerror="alert(1)"><b>bold</b> \\x1b[2J')).toBe(true);
  });

  it("lives in a list named Pending commands with a name of at most 120 characters", () => {
    renderQueue([makeCommand({ id: "c1", command: "y".repeat(500) })]);
    const list = screen.getByRole("list", { name: "Pending commands" });
    const article = within(list).getByRole("article");
    expect(Array.from(article.getAttribute("aria-label") ?? "")).toHaveLength(120);
  });

  it("clamps a 64 KiB command behind a Show all toggle", async () => {
    const big = "a".repeat(64 * 1024);
    renderQueue([makeCommand({ id: "c1", command: big })]);
    const pre = mustCard("c1").querySelector("pre");
    expect(pre?.textContent?.length).toBeLessThan(1000);
    const toggle = screen.getByRole("button", { name: "Show all (64 KiB)" });
    await userEvent.click(toggle);
    expect(pre?.textContent?.length).toBeGreaterThanOrEqual(big.length);
    expect(screen.getByRole("button", { name: "Show less" })).toHaveAttribute("aria-expanded", "true");
  });

  it("shows risk as text, anomalies, parts, steps, and the encrypted badge", async () => {
    renderQueue([
      makeCommand({
        id: "c1",
        command: "make && deploy",
        parts: ["make", "deploy"],
        risk_score: 85,
        anomalies: ["novelty", "unusual_activity"],
        session: { id: "s", goal: "Ship it", steps: ["build", "deploy", "verify"], current_step: 1 },
      }),
      makeCommand({ id: "c2", risk_score: 45 }),
      makeCommand({ id: "c3", risk_score: 5 }),
      makeCommand({ id: "c4", command: "nightly backup", encrypted: makeEnvelope() }),
    ]);
    const c1 = within(mustCard("c1"));
    expect(c1.getByText(/High risk · 85/)).toBeInTheDocument();
    expect(within(mustCard("c2")).getByText(/Medium risk · 45/)).toBeInTheDocument();
    expect(within(mustCard("c3")).getByText(/Low risk · 5/)).toBeInTheDocument();
    // Anomalies by their short label, with what they mean for tooltips and screen readers.
    const novelty = c1.getByText("New for this agent").closest(".badge");
    expect(novelty).toHaveAttribute("title", expect.stringMatching(/never used before/));
    expect(novelty).toHaveTextContent(/never used before/);
    expect(c1.getByText("Unusual activity")).toBeInTheDocument();
    expect(within(c1.getByRole("list", { name: "Parts of the command" })).getAllByRole("listitem")).toHaveLength(2);
    const steps = within(c1.getByRole("list", { name: "Session steps" })).getAllByRole("listitem");
    expect(steps.map((s) => s.className)).toEqual(["step step--done", "step step--current", "step step--todo"]);
    expect(steps[1]).toHaveAttribute("aria-current", "step");
    expect(within(mustCard("c4")).getByText("End-to-end encrypted")).toBeInTheDocument();
    expect(c1.queryByText("End-to-end encrypted")).toBeNull();
    expect(c1.getByRole("timer")).toBeInTheDocument();
    expect(await within(mustCard("c4")).findByText(/this browser cannot read it/)).toBeInTheDocument();
  });

  it("puts the pending count in the tab title", () => {
    const { ws } = renderQueue([makeCommand({ id: "c1" })]);
    expect(document.title).toBe("(1) expacti");
    act(() => ws.receive({ type: "pending", command: makeCommand({ id: "c2" }) }));
    expect(document.title).toBe("(2) expacti");
    act(() => ws.receive({ type: "decided", command: makeCommand({ id: "c1" }) }));
    act(() => ws.receive({ type: "decided", command: makeCommand({ id: "c2" }) }));
    expect(document.title).toBe("expacti");
    expect(screen.getByText("No commands waiting")).toBeInTheDocument();
  });
});

describe("deciding", () => {
  it("approves with the note and removes the card after the server's 200", async () => {
    const { requests } = renderQueue([makeCommand({ id: "c1" }), makeCommand({ id: "c2" })], {
      "POST /api/v1/commands/c1/approve": () => json(200, makeCommand({ id: "c1", status: "approved" })),
    });
    const c1 = within(mustCard("c1"));
    await userEvent.type(c1.getByLabelText("Note (optional)"), "looks fine");
    await userEvent.click(c1.getByRole("button", { name: "Approve" }));
    await waitFor(() => expect(card("c1")).toBeNull());
    const post = requests.find((r) => r.method === "POST");
    expect(await post?.json()).toEqual({ note: "looks fine" });
    expect(post?.headers.get("X-Expacti-CSRF")).toBe("1");
    expect(card("c2")).not.toBeNull();
  });

  it("shows who was first on a 409 already_decided, even if the broadcast lands meanwhile", async () => {
    let ws: ReturnType<typeof renderQueue>["ws"] | undefined;
    ({ ws } = renderQueue([makeCommand({ id: "c1" })], {
      "POST /api/v1/commands/c1/deny": () => {
        // The other reviewer's decision is broadcast while our request is in flight.
        ws?.receive({ type: "decided", command: makeCommand({ id: "c1", status: "approved", reviewer: "bob" }) });
        return apiError(409, "already_decided", "already decided", {
          command_id: "c1",
          decision: "approved",
          reviewer: "bob",
          decided_at: "2030-01-01T00:00:00Z",
        });
      },
    }));
    await userEvent.click(within(mustCard("c1")).getByRole("button", { name: "Deny" }));
    const alert = await within(mustCard("c1")).findByRole("alert");
    expect(alert).toHaveTextContent("Already approved by bob");
    expect(within(mustCard("c1")).getByRole("button", { name: "Approve" })).toBeDisabled();
    expect(document.title).toBe("expacti");
  });

  it("lets the card leave a few seconds after the 409 notice", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      renderQueue([makeCommand({ id: "c1" })], {
        "POST /api/v1/commands/c1/approve": () =>
          apiError(409, "already_decided", "x", { command_id: "c1", decision: "denied", reviewer: "carol", decided_at: "" }),
      });
      fireEvent.click(within(mustCard("c1")).getByRole("button", { name: "Approve" }));
      await within(mustCard("c1")).findByText("Already denied by carol");
      await act(async () => {
        await vi.advanceTimersByTimeAsync(4_500);
      });
      expect(card("c1")).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it("shows other errors inline and keeps the card actionable", async () => {
    renderQueue([makeCommand({ id: "c1" })], {
      "POST /api/v1/commands/c1/approve": () => apiError(500, "internal_error", "Something broke"),
    });
    await userEvent.click(within(mustCard("c1")).getByRole("button", { name: "Approve" }));
    expect(await within(mustCard("c1")).findByRole("alert")).toHaveTextContent("Approve failed: Something broke");
    expect(within(mustCard("c1")).getByRole("button", { name: "Approve" })).toBeEnabled();
  });
});

describe("keyboard", () => {
  it("J/K select, A approves the selected card, and keys typed in the note are ignored", async () => {
    const approve = vi.fn(() => json(200, {}));
    renderQueue([makeCommand({ id: "c1" }), makeCommand({ id: "c2" })], {
      "POST /api/v1/commands/c2/approve": approve,
    });
    // The first card starts selected; J moves to the second.
    await waitFor(() => expect(mustCard("c1")).toHaveAttribute("aria-current", "true"));
    await userEvent.keyboard("j");
    expect(mustCard("c2")).toHaveAttribute("aria-current", "true");
    expect(mustCard("c2")).toHaveFocus();
    await userEvent.keyboard("k");
    expect(mustCard("c1")).toHaveFocus();
    await userEvent.keyboard("j");

    await userEvent.type(within(mustCard("c2")).getByLabelText("Note (optional)"), "a d w j");
    expect(approve).not.toHaveBeenCalled();
    expect(mustCard("c2")).toHaveAttribute("aria-current", "true");

    mustCard("c2").focus();
    await userEvent.keyboard("a");
    await waitFor(() => expect(card("c2")).toBeNull());
    expect(approve).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(mustCard("c1")).toHaveAttribute("aria-current", "true"));
  });

  it("? opens the shortcuts dialog, Escape closes it, and keys do nothing meanwhile", async () => {
    const deny = vi.fn(() => json(200, {}));
    renderQueue([makeCommand({ id: "c1" })], { "POST /api/v1/commands/c1/deny": deny });
    await userEvent.keyboard("?");
    expect(screen.getByRole("dialog", { name: "Keyboard shortcuts" })).toBeInTheDocument();
    await userEvent.keyboard("d");
    expect(deny).not.toHaveBeenCalled();
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("Enter opens the selected command's details", async () => {
    renderQueue([makeCommand({ id: "c1" })]);
    await waitFor(() => expect(mustCard("c1")).toHaveAttribute("aria-current", "true"));
    mustCard("c1").focus();
    await userEvent.keyboard("{Enter}");
    expect(await screen.findByText("Details page")).toBeInTheDocument();
  });

  it("W opens the rule editor for the selected card", async () => {
    renderQueue([makeCommand({ id: "c1", command: "git pull" })], {
      "POST /api/v1/whitelist/preview": () => json(200, { matched: 0, denied_matched: 0, scanned: 3, truncated: false, complete: true, matches: [] }),
    });
    await waitFor(() => expect(mustCard("c1")).toHaveAttribute("aria-current", "true"));
    await userEvent.keyboard("w");
    const dialog = screen.getByRole("dialog", { name: "Approve and whitelist" });
    expect(within(dialog).getByLabelText("Pattern")).toHaveValue("git pull");
  });
});

describe("swipe on a phone", () => {
  function phone() {
    vi.stubGlobal("matchMedia", (query: string) => ({
      matches: true,
      media: query,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
    }));
    vi.spyOn(HTMLElement.prototype, "getBoundingClientRect").mockReturnValue({ width: 360, height: 200, x: 0, y: 0, top: 0, left: 0, right: 360, bottom: 200, toJSON: () => ({}) });
  }

  function swipe(el: HTMLElement, dx: number) {
    const base = { pointerId: 1, pointerType: "touch", isPrimary: true, clientY: 100 };
    fireEvent.pointerDown(el, { ...base, clientX: 10 });
    fireEvent.pointerMove(el, { ...base, clientX: 10 + dx / 2 });
    fireEvent.pointerMove(el, { ...base, clientX: 10 + dx });
    fireEvent.pointerUp(el, { ...base, clientX: 10 + dx });
  }

  it("a right swipe past 35 % approves a normal command", async () => {
    phone();
    const approve = vi.fn(() => json(200, {}));
    renderQueue([makeCommand({ id: "c1", risk_score: 20 })], { "POST /api/v1/commands/c1/approve": approve });
    swipe(mustCard("c1"), 140);
    await waitFor(() => expect(card("c1")).toBeNull());
    expect(approve).toHaveBeenCalledTimes(1);
  });

  it("a short swipe does nothing", () => {
    phone();
    const deny = vi.fn(() => json(200, {}));
    renderQueue([makeCommand({ id: "c1" })], { "POST /api/v1/commands/c1/deny": deny });
    swipe(mustCard("c1"), -100);
    expect(deny).not.toHaveBeenCalled();
    expect(card("c1")).not.toBeNull();
  });

  it("a swipe on a high-risk command asks first", async () => {
    phone();
    const approve = vi.fn(() => json(200, {}));
    renderQueue([makeCommand({ id: "c1", risk_score: 90 })], { "POST /api/v1/commands/c1/approve": approve });
    swipe(mustCard("c1"), 200);
    const confirm = screen.getByRole("alertdialog", { name: "Approve high-risk command?" });
    expect(approve).not.toHaveBeenCalled();
    await userEvent.click(within(confirm).getByRole("button", { name: "Cancel" }));
    expect(approve).not.toHaveBeenCalled();
    swipe(mustCard("c1"), 200);
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Approve" }));
    await waitFor(() => expect(approve).toHaveBeenCalledTimes(1));
  });
});
