import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { makeAgentSession, makeCommand, makeRequirement, makeSessionCommand, makeVote } from "../test/factories";
import { apiError, json } from "../test/http";
import { renderQueue } from "../test/renderQueue";

const card = (id: string) => document.querySelector<HTMLElement>(`article[data-command-id="${id}"]`);
const mustCard = (id: string) => {
  const el = card(id);
  if (!el) throw new Error(`no card ${id}`);
  return el;
};

const TWO_SENIORS = makeRequirement({
  min_role: "senior",
  required: 2,
  mode: "AllOf",
  reason: "policy 'prod-db': 2 approvals (AllOf) by senior or above",
  policy_id: "pol_1",
});

describe("who may decide", () => {
  it("says nothing for a routine command", () => {
    renderQueue([makeCommand({ id: "c1" })]);
    expect(mustCard("c1").querySelector(".card__requirement")).toBeNull();
  });

  it("names the role and the risk when the default routing sends it up", () => {
    renderQueue([
      makeCommand({
        id: "c1",
        risk_score: 85,
        requirement: makeRequirement({ min_role: "senior", reason: "risk 85 ≥ 70 needs a senior" }),
      }),
    ]);
    expect(within(mustCard("c1")).getByText("Needs a senior · risk 85")).toBeInTheDocument();
    // The default routing's own reason would only say it twice.
    expect(within(mustCard("c1")).queryByText(/risk 85 ≥ 70 needs a senior/)).toBeNull();
  });

  it("counts approvals and lists the votes with their notes", () => {
    renderQueue([
      makeCommand({
        id: "c1",
        requirement: TWO_SENIORS,
        approvals: 1,
        votes: [makeVote("bob", { role: "senior", note: "checked the <b>plan</b>" })],
      }),
    ]);
    const c1 = within(mustCard("c1"));
    expect(c1.getByText("Needs a senior · 1 of 2 approvals (AllOf)")).toBeInTheDocument();
    expect(c1.getByText(/policy 'prod-db': 2 approvals/)).toBeInTheDocument();
    const votes = c1.getByRole("list", { name: "Votes" });
    expect(within(votes).getAllByRole("listitem")).toHaveLength(1);
    expect(votes).toHaveTextContent(/✓ bob \(senior\) approved/);
    expect(votes).toHaveTextContent("checked the <b>plan</b>");
    expect(votes.querySelector("b")).toBeNull();
    // A rule cannot stand in for several approvals: no "Approve and whitelist" here.
    expect(c1.queryByRole("button", { name: "Approve and whitelist" })).toBeNull();
  });

  it("keeps a multi-party card after our approval, with our vote counted, and stops a second vote", async () => {
    const counted = makeCommand({
      id: "c1",
      requirement: TWO_SENIORS,
      approvals: 1,
      votes: [makeVote("alice", { role: "admin" })],
    });
    const approve = vi.fn(() => json(200, counted));
    renderQueue([makeCommand({ id: "c1", requirement: TWO_SENIORS })], { "POST /api/v1/commands/c1/approve": approve });
    await userEvent.click(within(mustCard("c1")).getByRole("button", { name: "Approve" }));
    const status = await within(mustCard("c1")).findByText(/Your approval is counted/);
    expect(status).toHaveTextContent("Your approval is counted: 1 of 2 approvals (AllOf).");
    expect(status).toHaveAttribute("role", "status");
    expect(within(mustCard("c1")).getByText("Needs a senior · 1 of 2 approvals (AllOf)")).toBeInTheDocument();
    expect(within(mustCard("c1")).getByRole("button", { name: "Approve" })).toBeDisabled();
    expect(within(mustCard("c1")).getByRole("button", { name: "Deny" })).toBeDisabled();

    mustCard("c1").focus();
    await userEvent.keyboard("a");
    expect(approve).toHaveBeenCalledTimes(1);
    expect(within(mustCard("c1")).getByRole("alert")).toHaveTextContent("You approved; waiting for 1 more approval.");
  });

  it("replaces the card when the feed sends it again, never duplicating it", () => {
    const { ws } = renderQueue([makeCommand({ id: "c1", requirement: TWO_SENIORS })]);
    act(() =>
      ws.receive({
        type: "pending",
        command: makeCommand({ id: "c1", requirement: TWO_SENIORS, approvals: 1, votes: [makeVote("bob", { role: "senior" })] }),
      }),
    );
    expect(document.querySelectorAll('article[data-command-id="c1"]')).toHaveLength(1);
    expect(within(mustCard("c1")).getByText(/1 of 2 approvals/)).toBeInTheDocument();
  });
});

describe("refusals", () => {
  it.each([
    [
      apiError(403, "not_eligible", "risk 85 ≥ 70 needs a senior; you are reviewer", { needs: "senior", role: "reviewer" }),
      "Not yours to decide: this command needs a senior or above (you are a reviewer).",
    ],
    [
      apiError(403, "separation_of_duties", "linked", { agent: "deploy-bot" }),
      "You may not approve this: you are linked to the agent deploy-bot (separation of duties). Another reviewer must decide.",
    ],
    [apiError(409, "already_voted", "you already voted on this command"), "You have already voted on this command"],
  ])("shows %# as a clear message on the card, never as a success", async (response, text) => {
    renderQueue([makeCommand({ id: "c1" })], { "POST /api/v1/commands/c1/approve": () => response.clone() });
    await userEvent.click(within(mustCard("c1")).getByRole("button", { name: "Approve" }));
    const alert = await within(mustCard("c1")).findByRole("alert");
    expect(alert).toHaveTextContent(text);
    expect(alert).not.toHaveTextContent(/Approve failed/);
    expect(alert).toHaveClass("card__notice--refused");
    expect(card("c1")).not.toBeNull();
  });
});

describe("escalation and timeouts", () => {
  it("adds an escalated command with a badge and a prominent notice, once", async () => {
    const { ws } = renderQueue([]);
    const escalated = makeCommand({ id: "c9", command: "terraform apply", escalated_at: "2030-01-01T00:05:00Z" });
    act(() => ws.receive({ type: "escalated", command: escalated, tier: "senior" }));
    act(() => ws.receive({ type: "escalated", command: escalated, tier: "senior" }));
    expect(document.querySelectorAll('article[data-command-id="c9"]')).toHaveLength(1);
    expect(within(mustCard("c9")).getByText("Escalated")).toBeInTheDocument();
    expect(mustCard("c9")).toHaveClass("card--escalated");
    const alerts = screen.getAllByRole("alert").filter((el) => el.textContent?.includes("Escalated to you"));
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toHaveTextContent("Escalated to you (seniors and above): terraform apply from deploy-bot");
    await userEvent.click(within(alerts[0]!).getByRole("button", { name: "Show it" }));
    expect(mustCard("c9")).toHaveFocus();
  });

  it("tells politely of a timeout, even of a command not on this screen", () => {
    const { ws } = renderQueue([makeCommand({ id: "c1", command: "make deploy" })]);
    act(() => ws.receive({ type: "decided", command: makeCommand({ id: "c1", command: "make deploy", status: "timed_out" }) }));
    act(() => ws.receive({ type: "decided", command: makeCommand({ id: "zz", command: "make other", status: "timed_out" }) }));
    expect(card("c1")).toBeNull();
    const status = screen.getAllByRole("status").find((el) => el.textContent?.includes("Timed out"));
    expect(status).toHaveTextContent("Timed out without a decision: make deploy from deploy-bot.");
    expect(status).toHaveTextContent("make other");
  });

  it("shows no notice for an ordinary decision", () => {
    const { ws } = renderQueue([makeCommand({ id: "c1" })]);
    act(() => ws.receive({ type: "decided", command: makeCommand({ id: "c1", status: "approved", reviewer: "bob" }) }));
    expect(screen.queryByText(/Timed out/)).toBeNull();
  });
});

describe("an edited command", () => {
  it("shows the edited text as what will run and the original struck through", () => {
    renderQueue([
      makeCommand({ id: "c1", command: "rm -rf /var/cache/app", approved_command: "rm -r /var/cache/app/tmp", edited: true }),
    ]);
    const c1 = within(mustCard("c1"));
    expect(c1.getByText("Edited")).toBeInTheDocument();
    expect(c1.getByText("Edited — the agent will run")).toBeInTheDocument();
    expect(mustCard("c1").querySelector(".card__command pre")).toHaveTextContent("rm -r /var/cache/app/tmp");
    expect(mustCard("c1").querySelector(".card__original pre")).toHaveTextContent("rm -rf /var/cache/app");
    expect(mustCard("c1")).toHaveAttribute("aria-label", "rm -r /var/cache/app/tmp");
  });
});

describe("the session", () => {
  const detail = makeAgentSession({
    id: "ses_1",
    items: [
      makeSessionCommand({ id: "e1", command: "make build", status: "approved", reviewer: "bob", step: 0 }),
      makeSessionCommand({ id: "e2", command: "make <i>lint</i>", status: "denied", reviewer: "carol", step: 0, edited: true }),
      makeSessionCommand({ id: "c1", command: "make deploy", status: "pending", reviewer: null, step: 1 }),
    ],
  });
  const session = { id: "s1", goal: "Ship it", steps: ["build", "deploy", "verify"], current_step: 1 };

  it("marks the steps and loads the earlier commands only when asked, once per session", async () => {
    const get = vi.fn(() => json(200, detail));
    const { ws } = renderQueue(
      [
        makeCommand({ id: "c1", command: "make deploy", session, session_id: "ses_1" }),
        makeCommand({ id: "c2", command: "make verify", session, session_id: "ses_1" }),
      ],
      { "GET /api/v1/sessions/ses_1": get },
    );
    const c1 = within(mustCard("c1"));
    const steps = within(c1.getByRole("list", { name: "Session steps" })).getAllByRole("listitem");
    expect(steps.map((s) => s.textContent)).toEqual(["✓build (already run)", "▶deploy (current step)", "○verify (remaining)"]);
    expect(get).not.toHaveBeenCalled();

    const toggle = c1.getByRole("button", { name: /Earlier commands in this session/ });
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    await userEvent.click(toggle);
    const list = await c1.findByRole("list", { name: "Earlier commands in this session" });
    const items = within(list).getAllByRole("listitem");
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent(/Approved.*make build.*by bob.*step 1: build/);
    expect(items[1]).toHaveTextContent(/Denied.*make <i>lint<\/i>.*by carol.*Edited/);
    expect(within(items[0]!).getByRole("link")).toHaveAttribute("href", "/commands/e1");

    // The other card of the same session reads the same copy.
    await userEvent.click(within(mustCard("c2")).getByRole("button", { name: /Earlier commands/ }));
    await within(mustCard("c2")).findByRole("list", { name: "Earlier commands in this session" });
    expect(get).toHaveBeenCalledTimes(1);

    // A command of the session changed: what is shown is fetched again.
    act(() => ws.receive({ type: "decided", command: makeCommand({ id: "c2", session, session_id: "ses_1", status: "approved" }) }));
    await waitFor(() => expect(get).toHaveBeenCalledTimes(2));
    act(() => ws.receive({ type: "pending", command: makeCommand({ id: "c7", session_id: "other" }) }));
    expect(get).toHaveBeenCalledTimes(2);
  });

  it("says when the session could not be loaded and lets the reviewer retry", async () => {
    let fail = true;
    renderQueue([makeCommand({ id: "c1", session_id: "ses_1" })], {
      "GET /api/v1/sessions/ses_1": () => (fail ? apiError(500, "internal_error", "boom") : json(200, detail)),
    });
    await userEvent.click(within(mustCard("c1")).getByRole("button", { name: /Earlier commands/ }));
    expect(await within(mustCard("c1")).findByRole("alert")).toHaveTextContent("Could not load the session: boom");
    fail = false;
    await userEvent.click(within(mustCard("c1")).getByRole("button", { name: "Try again" }));
    expect(await within(mustCard("c1")).findByRole("list", { name: "Earlier commands in this session" })).toBeInTheDocument();
  });
});

describe("auditors", () => {
  it("see the card but no decision controls, and shortcuts say why", async () => {
    const approve = vi.fn(() => json(200, {}));
    renderQueue([makeCommand({ id: "c1" })], { "POST /api/v1/commands/c1/approve": approve }, { role: "auditor" });
    const c1 = within(mustCard("c1"));
    expect(c1.getByText(/Read-only: auditors see the queue but cannot approve or deny/)).toBeInTheDocument();
    for (const name of ["Approve", "Deny", "Edit & approve", "Approve and whitelist"]) {
      expect(c1.queryByRole("button", { name })).toBeNull();
    }
    expect(c1.queryByLabelText("Note (optional)")).toBeNull();
    expect(c1.getByRole("link", { name: "Details" })).toBeInTheDocument();
    await waitFor(() => expect(mustCard("c1")).toHaveAttribute("aria-current", "true"));
    mustCard("c1").focus();
    await userEvent.keyboard("a");
    expect(c1.getByRole("alert")).toHaveTextContent(/Read-only/);
    expect(approve).not.toHaveBeenCalled();
  });
});
