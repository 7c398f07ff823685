import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { makeCommand } from "../test/factories";
import { apiError, json } from "../test/http";
import { renderQueue } from "../test/renderQueue";

const preview = (denied: number, matched = denied + 2) =>
  json(200, {
    matched,
    denied_matched: denied,
    scanned: 40,
    truncated: false,
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

describe("rule editor", () => {
  it("prefills the command, previews matches and saves with approve", async () => {
    const { requests } = renderQueue([makeCommand({ id: "c1", command: "git push", target: "web-1" })], {
      "POST /api/v1/whitelist/preview": () => preview(0),
      "POST /api/v1/commands/c1/approve": () => json(200, makeCommand({ id: "c1", status: "approved" })),
    });
    const dialog = await openEditor();
    const pattern = within(dialog).getByLabelText("Pattern");
    expect(pattern).toHaveValue("git push");
    expect(pattern).toHaveFocus();

    const region = within(dialog).getByRole("region", { name: "Rule preview" });
    await within(region).findByText(/2 past commands/);
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
      "POST /api/v1/whitelist/preview": () => preview(3),
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
    renderQueue([makeCommand({ id: "c1", command: "git push" })], { "POST /api/v1/whitelist/preview": () => preview(1) });
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
      "POST /api/v1/whitelist/preview": () => preview(0),
      "POST /api/v1/commands/c1/approve": approve,
    });
    const dialog = await openEditor();
    await within(dialog).findByText(/2 past commands/);
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
        return body.type === "regex" ? apiError(422, "invalid_pattern", "missing closing )") : preview(0);
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
      { "POST /api/v1/whitelist/preview": () => preview(0) },
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
      "POST /api/v1/whitelist/preview": () => preview(0),
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
