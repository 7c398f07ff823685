import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { AuditEventView, CommandView } from "../api";
import { SessionProvider } from "../auth/session";
import { SESSION } from "../test/renderQueue";
import { KeyringProvider } from "../encryption/KeyringProvider";
import type { StoredKey } from "../encryption/keyStore";
import { encryptFor, makeStoredKey, tamper, testKeyring } from "../encryption/testing";
import { makeAuditEvent, makeCommand } from "../test/factories";
import { CommandDetailPage } from "./CommandDetailPage";
import { errorBody, stubApi } from "../test/http";
import { renderAt } from "../test/renderAt";

afterEach(() => vi.unstubAllGlobals());

const T0 = "2030-01-01T00:00:00Z";

function audit(id: number, action: string, at: string, extra: Partial<AuditEventView> = {}): AuditEventView {
  return makeAuditEvent(action, at, { id, ...extra });
}

function serve(command: CommandView, events: AuditEventView[] = [], latency: number | null = null) {
  return {
    [`GET /api/v1/commands/${command.id}`]: () => ({ body: command }),
    [`GET /api/v1/commands/${command.id}/audit`]: () => ({ body: { items: events, latency_ms: latency } }),
  };
}

describe("CommandDetailPage", () => {
  it("shows the audit trail oldest first with offsets and the decision latency", async () => {
    const command = makeCommand({
      id: "cmd_1",
      status: "approved",
      reviewer: "alice",
      decided_at: "2030-01-01T00:00:02.500Z",
      latency_ms: 2500,
      created_at: T0,
    });
    stubApi(
      serve(
        command,
        [
          audit(3, "command.decided", "2030-01-01T00:00:02.500Z", {
            actor_type: "reviewer",
            actor_name: "alice",
            data: { decision: "approved" },
          }),
          audit(1, "command.submitted", T0),
          audit(2, "command.notified", "2030-01-01T00:00:00.040Z", { actor_type: "system", data: { reviewers: 1 } }),
        ],
        2500,
      ),
    );
    renderAt(<CommandDetailPage />, "/commands/cmd_1", "/commands/:id");

    const timeline = await screen.findByRole("list", { name: /Audit events/ });
    const items = within(timeline).getAllByRole("listitem");
    expect(items.map((li) => li.textContent)).toEqual([
      expect.stringMatching(/^\+0 msSubmitted by deploy-bot/),
      expect.stringMatching(/^\+40 ms1 reviewer notified/),
      expect.stringMatching(/^\+2\.5 sApproved by alice/),
    ]);
    expect(screen.getByText(/Decision latency/)).toHaveTextContent("Decision latency: 2.5 s");
  });

  it("renders a 64 KiB command full of markup and escapes as wrapped inert text", async () => {
    const text = `<script>alert(1)</script>\u001b]0;pwned\u0007${"x".repeat(64 * 1024)}`;
    const command = makeCommand({ id: "cmd_1", command: text, context: { html: "<i>hi</i>", esc: "\u001b[1m" } });
    const { container } = (() => {
      stubApi(serve(command));
      return renderAt(<CommandDetailPage />, "/commands/cmd_1", "/commands/:id");
    })();

    await screen.findByRole("heading", { name: "Command text" });
    const pre = container.querySelector("pre.cmd-full")!;
    expect(pre.textContent!.length).toBeGreaterThan(64 * 1024);
    expect(pre.textContent).toContain("<script>alert(1)</script>");
    expect(pre.textContent).not.toContain("\u001b");
    expect(container.querySelector("script, i")).toBeNull();
    expect(container.querySelector("pre.json-block")!.textContent).toContain('"html": "<i>hi</i>"');
  });

  it("links a whitelisted decision to its rule on the whitelist page", async () => {
    stubApi(serve(makeCommand({ id: "cmd_1", status: "approved", whitelisted: true, rule_id: "rule_7", latency_ms: 3 })));
    renderAt(<CommandDetailPage />, "/commands/cmd_1", "/commands/:id");
    const link = await screen.findByRole("link", { name: "rule_7" });
    expect(link).toHaveAttribute("href", "/whitelist?rule=rule_7");
  });

  it("links the recording of what the command printed, at its own marker", async () => {
    stubApi(serve(makeCommand({ id: "cmd_1", status: "approved", reviewer: "alice", recording_id: "rec_9" })));
    renderAt(<CommandDetailPage />, "/commands/cmd_1", "/commands/:id");
    const link = await screen.findByRole("link", { name: "Watch what it printed" });
    expect(link).toHaveAttribute("href", "/recordings/rec_9?command=cmd_1");
  });

  it("shows no recording section for a command that was not recorded", async () => {
    stubApi(serve(makeCommand({ id: "cmd_1", status: "approved", reviewer: "alice" })));
    renderAt(<CommandDetailPage />, "/commands/cmd_1", "/commands/:id");
    await screen.findByRole("heading", { name: "Overview" });
    expect(screen.queryByRole("heading", { name: "Terminal recording" })).toBeNull();
  });

  it("shows a designed page for an unknown id", async () => {
    stubApi({ "GET /api/v1/commands/cmd_nope": () => ({ status: 404, body: errorBody("not_found", "No such command") }) });
    renderAt(<CommandDetailPage />, "/commands/cmd_nope", "/commands/:id");
    expect(await screen.findByRole("heading", { name: "No such command" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Back to history" })).toHaveAttribute("href", "/history");
  });

  it("approves a pending command with the note", async () => {
    const user = userEvent.setup();
    const pending = makeCommand({ id: "cmd_1", status: "pending" });
    const approved = { ...pending, status: "approved", reviewer: "me", decided_at: T0, latency_ms: 900 };
    let current: CommandView = pending;
    const calls = stubApi({
      ...serve(pending),
      "GET /api/v1/commands/cmd_1": () => ({ body: current }),
      "POST /api/v1/commands/cmd_1/approve": () => {
        current = approved as CommandView;
        return { body: approved };
      },
    });
    renderAt(<CommandDetailPage />, "/commands/cmd_1", "/commands/:id");

    await user.type(await screen.findByLabelText("Note (optional)"), "looks fine");
    await user.click(screen.getByRole("button", { name: "Approve" }));

    expect(await screen.findByRole("status")).toHaveTextContent("You approved this command.");
    expect(calls.find((c) => c.method === "POST")!.body).toEqual({ note: "looks fine" });
    expect(screen.queryByRole("button", { name: "Approve" })).toBeNull();
    await waitFor(() => expect(calls.filter((c) => c.path === "/api/v1/commands/cmd_1")).toHaveLength(2));
    expect(screen.queryByRole("button", { name: "Approve" })).toBeNull();
    expect(screen.getByText("me")).toBeInTheDocument();
  });

  it("reports a lost race as 'Already denied by alice', not as success", async () => {
    const user = userEvent.setup();
    const pending = makeCommand({ id: "cmd_1", status: "pending" });
    let decided = false;
    stubApi({
      "GET /api/v1/commands/cmd_1": () => ({
        body: decided ? { ...pending, status: "denied", reviewer: "alice", decided_at: T0 } : pending,
      }),
      "GET /api/v1/commands/cmd_1/audit": () => ({ body: { items: [], latency_ms: null } }),
      "POST /api/v1/commands/cmd_1/approve": () => {
        decided = true;
        return {
          status: 409,
          body: errorBody("already_decided", "Command already decided", {
            command_id: "cmd_1",
            decision: "denied",
            reviewer: "alice",
            decided_at: T0,
          }),
        };
      },
    });
    renderAt(<CommandDetailPage />, "/commands/cmd_1", "/commands/:id");
    await user.click(await screen.findByRole("button", { name: "Approve" }));

    // The page reloads to the real outcome; the message must say who won.
    expect(await screen.findByRole("alert")).toHaveTextContent("Already denied by alice");
    await waitFor(() => expect(screen.queryByRole("button", { name: "Approve" })).toBeNull());
    expect(screen.getByRole("alert")).toHaveTextContent("Already denied by alice");
    expect(screen.queryByText(/You approved/)).toBeNull();
  });
});

describe("CommandDetailPage with an end-to-end encrypted command", () => {
  let mine: StoredKey;
  let other: StoredKey;
  beforeAll(async () => {
    [mine, other] = await Promise.all([makeStoredKey("key_mine"), makeStoredKey("key_other")]);
  });

  function renderWith(command: CommandView, key: StoredKey | null) {
    // Signed in as rev_1, the reviewer who made `mine` in this browser.
    stubApi({ ...serve(command), "GET /api/v1/session": () => ({ body: SESSION }) });
    return renderAt(
      <KeyringProvider keyring={testKeyring(key)}>
        <SessionProvider>
          <CommandDetailPage />
        </SessionProvider>
      </KeyringProvider>,
      `/commands/${command.id}`,
      "/commands/:id",
    );
  }

  it("shows the decrypted text inert, with the badge and the agent's label", async () => {
    const encrypted = await encryptFor("kubectl delete pod \u001b[2Jweb-1", [other, mine]);
    const { container } = renderWith(makeCommand({ id: "cmd_1", command: "restart web", encrypted }), mine);
    await screen.findByText("Decrypting…");
    await waitFor(() => expect(container.querySelector("pre.cmd-full")?.textContent).toBe("kubectl delete pod \\x1b[2Jweb-1"));
    expect(screen.getByText("End-to-end encrypted")).toBeInTheDocument();
    expect(screen.getByText(/Agent’s label:/)).toHaveTextContent("Agent’s label: restart web");
    expect(screen.getByRole("button", { name: "Approve" })).toBeEnabled();
  });

  it.each([
    ["is for other reviewers' keys", async () => encryptFor("x", [other]), "Encrypted for other reviewers' keys — this browser cannot read it."],
    ["was tampered with", async () => tamper(await encryptFor("x", [mine])), "Could not decrypt: the ciphertext does not match."],
  ])("refuses Approve when the envelope %s; Deny stays", async (_what, seal, notice) => {
    const { container } = renderWith(makeCommand({ id: "cmd_1", command: "label", encrypted: await seal() }), mine);
    expect(await screen.findByText(notice)).toBeInTheDocument();
    expect(container.querySelector("pre.cmd-full")).toBeNull();
    expect(screen.getByRole("button", { name: "Approve" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Deny" })).toBeEnabled();
  });
});
