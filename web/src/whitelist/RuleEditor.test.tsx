import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { WhitelistRuleView } from "../api";
import { makeCommand } from "../test/factories";
import { apiError, errorBody, json, stubApi, type Recorded } from "../test/http";
import { renderAt } from "../test/renderAt";
import { renderQueue } from "../test/renderQueue";
import { makeRule, preview } from "./fixtures";
import { RuleEditor } from "./RuleEditor";

afterEach(() => vi.unstubAllGlobals());

function renderRulePage(rule: WhitelistRuleView | null, onSaved: (rule: WhitelistRuleView) => void) {
  return renderAt(<RuleEditor save={{ kind: "rule", rule, onSaved }} onCancel={() => {}} />, "/whitelist");
}

function saved(calls: Recorded[], method: string) {
  return calls.filter((c) => c.method === method && c.path.startsWith("/api/v1/whitelist") && !c.path.endsWith("/preview"));
}

describe("rule editor on the Whitelist page: create or update a rule", () => {
  it("requires confirmation before saving a rule that would have approved denied commands", async () => {
    const user = userEvent.setup();
    const onSaved = vi.fn();
    const calls = stubApi({
      "POST /api/v1/whitelist/preview": () => ({ body: preview(3, 2) }),
      "POST /api/v1/whitelist": ({ body }) => ({ status: 201, body: makeRule(body as object) }),
    });
    renderRulePage(null, onSaved);

    await user.type(screen.getByLabelText("Pattern"), "rm -rf /tmp/*");
    await user.click(screen.getByLabelText("Glob"));
    expect(await screen.findByText(/2 of them were denied/)).toBeInTheDocument();
    expect(screen.getByText(/Would have matched/)).toHaveTextContent("Would have matched 3 of the 120 past commands.");

    const create = screen.getByRole("button", { name: "Create rule" });
    expect(create).toBeDisabled();
    await user.click(screen.getByLabelText(/I understand this rule would have approved 2 denied/));
    expect(create).toBeEnabled();
    await user.click(create);

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(saved(calls, "POST")[0]!.body).toEqual({
      pattern: "rm -rf /tmp/*",
      type: "glob",
      scope: "global",
      ttl_seconds: null,
      confirm_denied_matches: true,
    });
  });

  it("does not carry a confirmation over to a different pattern", async () => {
    const user = userEvent.setup();
    stubApi({ "POST /api/v1/whitelist/preview": () => ({ body: preview(1, 1) }) });
    renderRulePage(null, () => {});

    await user.type(screen.getByLabelText("Pattern"), "rm a");
    await user.click(await screen.findByLabelText(/I understand this rule would have approved 1 denied/));
    expect(screen.getByRole("button", { name: "Create rule" })).toBeEnabled();

    await user.type(screen.getByLabelText("Pattern"), "b");
    await waitFor(() => expect(screen.getByLabelText(/I understand this rule would have approved 1 denied/)).not.toBeChecked());
    expect(screen.getByRole("button", { name: "Create rule" })).toBeDisabled();
  });

  it("saves without confirmation when no denied command matches", async () => {
    const user = userEvent.setup();
    const calls = stubApi({
      "POST /api/v1/whitelist/preview": () => ({ body: preview(2, 0) }),
      "POST /api/v1/whitelist": ({ body }) => ({ status: 201, body: makeRule(body as object) }),
    });
    renderRulePage(null, () => {});

    await user.type(screen.getByLabelText("Pattern"), "kubectl get pods");
    await waitFor(() => expect(screen.getByText(/Would have matched/)).toHaveTextContent("Would have matched 2 of"));
    expect(screen.queryByRole("checkbox")).toBeNull();
    await user.selectOptions(screen.getByLabelText("Scope"), "target");
    await user.type(screen.getByLabelText("Target name"), "web-1");
    await user.selectOptions(screen.getByLabelText("Expires"), "after");
    await user.clear(screen.getByLabelText("Amount"));
    await user.type(screen.getByLabelText("Amount"), "2");
    await user.selectOptions(screen.getByLabelText("Unit"), "hours");
    await waitFor(() => expect(screen.getByRole("button", { name: "Create rule" })).toBeEnabled());
    await user.click(screen.getByRole("button", { name: "Create rule" }));

    await waitFor(() => expect(saved(calls, "POST")).toHaveLength(1));
    expect(saved(calls, "POST")[0]!.body).toEqual({
      pattern: "kubectl get pods",
      type: "exact",
      scope: "target:web-1",
      ttl_seconds: 7200,
      confirm_denied_matches: false,
    });
  });

  it("asks for confirmation when the history could not all be checked in time", async () => {
    const user = userEvent.setup();
    const calls = stubApi({
      "POST /api/v1/whitelist/preview": () => ({ body: { ...preview(1, 0), complete: false, scanned: 700 } }),
      "POST /api/v1/whitelist": ({ body }) => ({ status: 201, body: makeRule(body as object) }),
    });
    renderRulePage(null, () => {});
    await user.type(screen.getByLabelText("Pattern"), "make deploy");
    expect(await screen.findByText(/Not every past command could be checked in time \(700 checked\)/)).toBeInTheDocument();
    const save = screen.getByRole("button", { name: "Create rule" });
    expect(save).toBeDisabled();
    await user.click(screen.getByLabelText("I understand not every past command could be checked"));
    await waitFor(() => expect(save).toBeEnabled());
    await user.click(save);
    await waitFor(() => expect(saved(calls, "POST")).toHaveLength(1));
    expect(saved(calls, "POST")[0]!.body).toMatchObject({ pattern: "make deploy", confirm_denied_matches: true });
  });

  it("asks for confirmation when the server finds denied matches the preview did not", async () => {
    const user = userEvent.setup();
    let attempts = 0;
    const calls = stubApi({
      "POST /api/v1/whitelist/preview": () => ({ body: preview(0, 0) }),
      "POST /api/v1/whitelist": ({ body }) => {
        attempts += 1;
        if ((body as { confirm_denied_matches: boolean }).confirm_denied_matches) return { status: 201, body: makeRule() };
        return {
          status: 409,
          body: errorBody("rule_matches_denied", "Would approve denied commands", {
            denied_matched: 4,
            examples: [{ id: "cmd_9", command: "rm -rf /" }],
          }),
        };
      },
    });
    renderRulePage(null, () => {});
    await user.type(screen.getByLabelText("Pattern"), "rm *");
    await screen.findByText(/Would have matched none/);
    await user.click(screen.getByRole("button", { name: "Create rule" }));

    await user.click(await screen.findByLabelText(/I understand this rule would have approved 4 denied/));
    await user.click(screen.getByRole("button", { name: "Create rule" }));
    await waitFor(() => expect(attempts).toBe(2));
    expect(saved(calls, "POST")[1]!.body).toMatchObject({ confirm_denied_matches: true });
  });

  it("shows an invalid pattern next to the pattern field", async () => {
    const user = userEvent.setup();
    stubApi({
      "POST /api/v1/whitelist/preview": () => ({
        status: 422,
        body: errorBody("invalid_pattern", "backreferences are not supported"),
      }),
    });
    renderRulePage(null, () => {});
    await user.click(screen.getByLabelText("Regex"));
    await user.type(screen.getByLabelText("Pattern"), "(a)\\1");

    const pattern = screen.getByLabelText("Pattern");
    await waitFor(() => expect(pattern).toHaveAttribute("aria-invalid", "true"));
    expect(pattern).toHaveAccessibleDescription(expect.stringContaining("backreferences are not supported"));
  });

  it("keeps Save disabled until the preview of the current pattern is back, and lists denied matches first", async () => {
    const user = userEvent.setup();
    let answer: (() => void) | null = null;
    const result = { ...preview(3, 1), matches: [...preview(3, 1).matches].reverse() };
    stubApi({
      "POST /api/v1/whitelist/preview": () => new Promise((resolve) => (answer = () => resolve({ body: result }))),
    });
    renderRulePage(null, () => {});
    await user.type(screen.getByLabelText("Pattern"), "rm *");
    await waitFor(() => expect(answer).not.toBeNull());
    expect(screen.getByRole("button", { name: "Create rule" })).toBeDisabled();
    answer!();
    const list = await screen.findByRole("list", { name: "Matching past commands" });
    expect(list.querySelectorAll("li")[0]).toHaveTextContent("Denied");
  });

  it("edits a rule with PATCH, keeping its expiry unless changed", async () => {
    const user = userEvent.setup();
    const rule = makeRule({ id: "rule_5", pattern: "ls", type: "exact", scope: "group:web", expires_at: "2031-01-01T00:00:00Z" });
    const calls = stubApi({
      "POST /api/v1/whitelist/preview": () => ({ body: preview(1, 0) }),
      "PATCH /api/v1/whitelist/rule_5": ({ body }) => ({ body: { ...rule, ...(body as object) } }),
    });
    const onSaved = vi.fn();
    renderRulePage(rule, onSaved);

    expect(screen.getByLabelText("Group name")).toHaveValue("web");
    await user.type(screen.getByLabelText("Pattern"), " -l");
    await waitFor(() => expect(screen.getByRole("button", { name: "Save changes" })).toBeEnabled());
    await user.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(saved(calls, "PATCH")[0]!.body).toEqual({
      pattern: "ls -l",
      type: "exact",
      scope: "group:web",
      confirm_denied_matches: false,
    });
  });
});

const queuePreview = (denied: number, matched = denied + 2) =>
  json(200, {
    matched,
    denied_matched: denied,
    scanned: 40,
    truncated: false,
    complete: true,
    matches: [
      ...Array.from({ length: denied }, (_, i) => ({ id: `d${i}`, command: "git push --force", target: "web-1", agent: "bot", status: "denied", created_at: "2030-01-01T00:00:00Z" })),
      { id: "ok1", command: "git push", target: "web-1", agent: "bot", status: "approved", created_at: "2030-01-01T00:00:00Z" },
      { id: "ok2", command: "git push origin", target: null, agent: "bot", status: "approved", created_at: "2030-01-01T00:00:00Z" },
    ],
  });

async function openEditor() {
  const article = document.querySelector<HTMLElement>('article[data-command-id="c1"]');
  if (!article) throw new Error("no card");
  await userEvent.click(within(article).getByRole("button", { name: "Approve and whitelist" }));
  return screen.getByRole("dialog", { name: "Approve and whitelist" });
}

describe("rule editor behind a queue card: approve with the rule", () => {
  it("prefills the command, previews matches and saves with approve", async () => {
    const { requests } = renderQueue([makeCommand({ id: "c1", command: "git push", target: "web-1" })], {
      "POST /api/v1/whitelist/preview": () => queuePreview(0),
      "POST /api/v1/commands/c1/approve": () => json(200, makeCommand({ id: "c1", status: "approved" })),
    });
    const dialog = await openEditor();
    const pattern = within(dialog).getByLabelText("Pattern");
    expect(pattern).toHaveValue("git push");
    expect(pattern).toHaveFocus();

    const region = within(dialog).getByRole("region", { name: "Rule preview" });
    expect(await within(region).findByText(/Would have matched/)).toHaveTextContent("Would have matched 2 of the 40 past commands");
    expect(within(region).getAllByRole("listitem")).toHaveLength(2);

    await userEvent.selectOptions(within(dialog).getByLabelText("Scope"), "target");
    await userEvent.selectOptions(within(dialog).getByLabelText("Expires"), "86400");
    await waitFor(() => expect(within(dialog).getByRole("button", { name: "Save rule and approve" })).toBeEnabled());
    await userEvent.click(within(dialog).getByRole("button", { name: "Save rule and approve" }));

    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    const approve = requests.find((r) => r.url.endsWith("/approve"));
    expect(await approve?.json()).toEqual({
      whitelist: { pattern: "git push", type: "exact", scope: "target:web-1", ttl_seconds: 86400 },
    });
    const lastPreview = requests.filter((r) => r.url.endsWith("/preview")).pop();
    expect(await lastPreview?.json()).toEqual({ pattern: "git push", type: "exact", scope: "target:web-1", exclude_command_id: "c1" });
  });

  it("requires an explicit confirmation when the rule would have approved denied commands", async () => {
    const { requests } = renderQueue([makeCommand({ id: "c1", command: "git push" })], {
      "POST /api/v1/whitelist/preview": () => queuePreview(3),
      "POST /api/v1/commands/c1/approve": () => json(200, {}),
    });
    const dialog = await openEditor();
    const confirm = await within(dialog).findByLabelText("I understand this rule would have approved 3 denied command(s)");
    const save = within(dialog).getByRole("button", { name: "Save rule and approve" });
    expect(save).toBeDisabled();
    expect(within(dialog).getAllByText("Denied")).toHaveLength(3);

    await userEvent.click(confirm);
    expect(save).toBeEnabled();
    await userEvent.click(save);
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    const approve = requests.find((r) => r.url.endsWith("/approve"));
    expect(await approve?.json()).toMatchObject({ confirm_denied_matches: true });
  });

  it("changing the pattern withdraws an earlier confirmation", async () => {
    renderQueue([makeCommand({ id: "c1", command: "git push" })], { "POST /api/v1/whitelist/preview": () => queuePreview(1) });
    const dialog = await openEditor();
    await userEvent.click(await within(dialog).findByLabelText(/I understand this rule would have approved 1 denied/));
    await userEvent.type(within(dialog).getByLabelText("Pattern"), " origin");
    const again = await within(dialog).findByLabelText(/I understand this rule would have approved 1 denied/);
    expect(again).not.toBeChecked();
    expect(within(dialog).getByRole("button", { name: "Save rule and approve" })).toBeDisabled();
  });

  it("shows the confirmation when the server answers 409 rule_matches_denied", async () => {
    const approve = vi
      .fn()
      .mockImplementationOnce(() => apiError(409, "rule_matches_denied", "would match denied", { denied_matched: 2, examples: [] }))
      .mockImplementationOnce(() => json(200, {}));
    const { requests } = renderQueue([makeCommand({ id: "c1", command: "git push" })], {
      "POST /api/v1/whitelist/preview": () => queuePreview(0),
      "POST /api/v1/commands/c1/approve": approve,
    });
    const dialog = await openEditor();
    expect(await within(dialog).findByText(/Would have matched/)).toHaveTextContent("Would have matched 2 of the 40 past commands");
    await userEvent.click(within(dialog).getByRole("button", { name: "Save rule and approve" }));
    const confirm = await within(dialog).findByLabelText("I understand this rule would have approved 2 denied command(s)");
    expect(within(dialog).getByRole("button", { name: "Save rule and approve" })).toBeDisabled();
    await userEvent.click(confirm);
    await userEvent.click(within(dialog).getByRole("button", { name: "Save rule and approve" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    const bodies = await Promise.all(requests.filter((r) => r.url.endsWith("/approve")).map((r) => r.json()));
    expect(bodies[0]).not.toHaveProperty("confirm_denied_matches");
    expect(bodies[1]).toMatchObject({ confirm_denied_matches: true });
  });

  it("shows a 422 invalid_pattern next to the pattern", async () => {
    renderQueue([makeCommand({ id: "c1", command: "git push" })], {
      "POST /api/v1/whitelist/preview": async (req) => {
        const body = (await req.json()) as { type: string };
        return body.type === "regex" ? apiError(422, "invalid_pattern", "missing closing )") : queuePreview(0);
      },
    });
    const dialog = await openEditor();
    await userEvent.click(within(dialog).getByLabelText("Regex"));
    const pattern = within(dialog).getByLabelText("Pattern");
    expect(pattern).toHaveValue("^git push$");
    await userEvent.clear(pattern);
    await userEvent.type(pattern, "git (push");
    expect(await within(dialog).findByText("missing closing )")).toBeInTheDocument();
    expect(pattern).toHaveAttribute("aria-invalid", "true");
    expect(pattern).toHaveAccessibleDescription("missing closing )");
    expect(within(dialog).getByRole("button", { name: "Save rule and approve" })).toBeDisabled();
  });

  it("a suggestion opens the editor prefilled with it", async () => {
    renderQueue(
      [
        makeCommand({
          id: "c1",
          command: "kubectl get pods",
          target: "prod",
          suggestions: [{ type: "glob", pattern: "kubectl get *", scope: "target:prod", reason: "Read-only kubectl" }],
        }),
      ],
      { "POST /api/v1/whitelist/preview": () => queuePreview(0) },
    );
    await userEvent.click(screen.getByRole("button", { name: /Read-only kubectl/ }));
    const dialog = screen.getByRole("dialog", { name: "Approve and whitelist" });
    expect(within(dialog).getByLabelText("Pattern")).toHaveValue("kubectl get *");
    expect(within(dialog).getByLabelText("Glob")).toBeChecked();
    expect(within(dialog).getByLabelText("Scope")).toHaveValue("target");
  });

  it("Escape closes the editor without deciding and traps Tab inside", async () => {
    const approve = vi.fn(() => json(200, {}));
    renderQueue([makeCommand({ id: "c1" })], {
      "POST /api/v1/whitelist/preview": () => queuePreview(0),
      "POST /api/v1/commands/c1/approve": approve,
    });
    const dialog = await openEditor();
    for (let i = 0; i < 15; i++) {
      await userEvent.tab();
      expect(dialog.contains(document.activeElement)).toBe(true);
    }
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(approve).not.toHaveBeenCalled();
  });
});
