import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AgentSessionSummary } from "../api";
import { makeAgentSession, makeRecording, makeSessionCommand } from "../test/factories";
import { stubApi } from "../test/http";
import { renderAt } from "../test/renderAt";
import { SessionPage } from "./SessionPage";
import { SessionsPage } from "./SessionsPage";

afterEach(() => vi.unstubAllGlobals());

function summary(overrides: Partial<AgentSessionSummary> = {}): AgentSessionSummary {
  const { items: _, ...rest } = makeAgentSession();
  return { ...rest, commands: 4, ...overrides };
}

describe("SessionsPage", () => {
  it("lists sessions with their goal, agent, progress and status, and pages on", async () => {
    const user = userEvent.setup();
    const calls = stubApi({
      "GET /api/v1/sessions": ({ query }) =>
        query.get("before")
          ? { body: { items: [summary({ id: "ses_3", goal: "Older", status: "failed" })], next_before: null } }
          : {
              body: {
                items: [summary({ id: "ses_1", goal: "Ship <b>v2</b>" }), summary({ id: "ses_2", goal: null, client_id: "s9", status: "completed" })],
                next_before: "cursor",
              },
            },
    });
    renderAt(<SessionsPage />, "/sessions", "/sessions");
    const first = (await screen.findByRole("link", { name: "Ship <b>v2</b>" })).closest("li")!;
    expect(first).toHaveTextContent("Active");
    expect(first).toHaveTextContent("deploy-bot · 4 commands · step 2 of 3");
    expect(screen.getByRole("link", { name: "Ship <b>v2</b>" })).toHaveAttribute("href", "/sessions/ses_1");
    expect(screen.getByRole("link", { name: "Session s9" }).closest("li")).toHaveTextContent("Completed");
    await user.click(screen.getByRole("button", { name: "Load more" }));
    expect(await screen.findByRole("link", { name: "Older" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
    expect(calls.map((c) => c.query.get("before"))).toEqual([null, "cursor"]);
  });
});

describe("SessionPage", () => {
  it("shows the plan with the current step and every command with its decision", async () => {
    stubApi({
      "GET /api/v1/sessions/ses_1": () => ({
        body: makeAgentSession({
          items: [
            makeSessionCommand({ id: "c1", command: "make build", reviewer: "bob", step: 0 }),
            makeSessionCommand({ id: "c2", command: "make deploy", status: "pending", reviewer: null, decided_at: null, step: 1 }),
          ],
        }),
      }),
    });
    renderAt(<SessionPage />, "/sessions/ses_1", "/sessions/:id");
    expect(await screen.findByRole("heading", { level: 1, name: "Ship it" })).toBeInTheDocument();
    const steps = within(screen.getByRole("list", { name: "Session steps" })).getAllByRole("listitem");
    expect(steps[1]).toHaveAttribute("aria-current", "step");
    const commands = within(screen.getByRole("list", { name: /Commands of this session/ })).getAllByRole("listitem");
    expect(commands[0]).toHaveTextContent(/Approved.*make build.*by bob.*step 1: build/);
    expect(commands[1]).toHaveTextContent(/Pending.*make deploy/);
  });

  it("links the session's recording, found by its session id", async () => {
    const calls = stubApi({
      "GET /api/v1/sessions/ses_1": () => ({ body: makeAgentSession() }),
      "GET /api/v1/recordings": () => ({ body: { items: [makeRecording({ id: "rec_7", status: "live", truncated: true })], next_before: null } }),
    });
    renderAt(<SessionPage />, "/sessions/ses_1", "/sessions/:id");
    const section = await screen.findByRole("region", { name: "Terminal recording" });
    const link = await within(section).findByRole("link", { name: "Watch live rec_7" });
    expect(link).toHaveAttribute("href", "/recordings/rec_7");
    expect(section).toHaveTextContent(/Live.*Truncated.*1:05 · 2 commands · 4\.2 KiB/);
    expect(calls.find((c) => c.path === "/api/v1/recordings")?.query.get("session_id")).toBe("ses_1");
  });

  it("says when the session was not recorded", async () => {
    stubApi({
      "GET /api/v1/sessions/ses_1": () => ({ body: makeAgentSession() }),
      "GET /api/v1/recordings": () => ({ body: { items: [], next_before: null } }),
    });
    renderAt(<SessionPage />, "/sessions/ses_1", "/sessions/:id");
    expect(await screen.findByText(/the agent did not record its terminal/)).toBeInTheDocument();
  });

  it("says when there is no such session", async () => {
    stubApi({});
    renderAt(<SessionPage />, "/sessions/nope", "/sessions/:id");
    expect(await screen.findByText("No such session")).toBeInTheDocument();
  });
});
