import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { makeCommand, makeEnvelope, makeRequirement } from "../test/factories";
import { apiError, json } from "../test/http";
import { renderQueue } from "../test/renderQueue";
import { editProblem } from "./EditApproveDialog";

const card = (id: string) => document.querySelector<HTMLElement>(`article[data-command-id="${id}"]`);
const mustCard = (id: string) => {
  const el = card(id);
  if (!el) throw new Error(`no card ${id}`);
  return el;
};

async function openWithE(id: string) {
  await waitFor(() => expect(mustCard(id)).toHaveAttribute("aria-current", "true"));
  mustCard(id).focus();
  await userEvent.keyboard("e");
  return screen.getByRole("dialog", { name: "Edit and approve" });
}

async function replaceText(dialog: HTMLElement, text: string) {
  const field = within(dialog).getByLabelText("Command to run");
  await userEvent.clear(field);
  await userEvent.type(field, text);
}

describe("edit and approve", () => {
  it("E opens the editor prefilled; the change shows word by word; approving sends the edited text", async () => {
    const approve = vi.fn(async (request: Request) => json(200, makeCommand({ id: "c1", status: "approved", edited: true, ...((await request.clone().json()) as object) })));
    const { requests } = renderQueue([makeCommand({ id: "c1", command: "rm -rf /var/cache/app" })], {
      "POST /api/v1/commands/c1/approve": approve,
    });
    const dialog = await openWithE("c1");
    const field = within(dialog).getByLabelText("Command to run");
    expect(field).toHaveValue("rm -rf /var/cache/app");
    expect(field).toHaveFocus();
    expect(within(dialog).getByRole("button", { name: "Approve edited command" })).toBeDisabled();

    await replaceText(dialog, "rm -r /var/cache/app/tmp");
    const change = within(dialog).getByRole("region", { name: "Change" });
    const texts = (tag: string) => Array.from(change.querySelectorAll(tag)).map((el) => el.textContent);
    await waitFor(() => expect(texts("del")).toEqual(["-rf", "/var/cache/app"]));
    expect(texts("ins")).toEqual(["-r", "/var/cache/app/tmp"]);
    await userEvent.type(within(dialog).getByLabelText("Note (optional)"), "only the tmp dir");
    await userEvent.click(within(dialog).getByRole("button", { name: "Approve edited command" }));

    await waitFor(() => expect(card("c1")).toBeNull());
    expect(screen.queryByRole("dialog")).toBeNull();
    const post = requests.find((r) => r.method === "POST");
    expect(await post?.json()).toEqual({ command: "rm -r /var/cache/app/tmp", note: "only the tmp dir" });
  });

  it("the button opens it too, and Cancel leaves the command untouched", async () => {
    const approve = vi.fn(() => json(200, {}));
    renderQueue([makeCommand({ id: "c1", command: "ls" })], { "POST /api/v1/commands/c1/approve": approve });
    await userEvent.click(within(mustCard("c1")).getByRole("button", { name: "Edit & approve" }));
    const dialog = screen.getByRole("dialog", { name: "Edit and approve" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(approve).not.toHaveBeenCalled();
    expect(card("c1")).not.toBeNull();
  });

  it.each([
    [apiError(403, "not_eligible", "x", { needs: "admin", role: "senior" }), /needs an admin or above \(you are a senior\)/],
    [apiError(403, "separation_of_duties", "x", { agent: "deploy-bot" }), /linked to the agent deploy-bot/],
    [apiError(409, "already_voted", "x"), /already voted/],
    [apiError(422, "invalid_request", "an end-to-end encrypted command cannot be edited"), /Approve failed: an end-to-end encrypted command cannot be edited/],
  ])("keeps the dialog and the edited text open on refusal %#", async (response, message) => {
    renderQueue([makeCommand({ id: "c1", command: "make deploy" })], {
      "POST /api/v1/commands/c1/approve": () => response.clone(),
    });
    const dialog = await openWithE("c1");
    await replaceText(dialog, "make deploy-canary");
    await userEvent.click(within(dialog).getByRole("button", { name: "Approve edited command" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent(message);
    expect(within(dialog).getByLabelText("Command to run")).toHaveValue("make deploy-canary");
    expect(within(dialog).getByRole("button", { name: "Approve edited command" })).toBeEnabled();
    expect(card("c1")).not.toBeNull();
  });

  it("closes on already_decided and says who was first on the card", async () => {
    renderQueue([makeCommand({ id: "c1", command: "make deploy" })], {
      "POST /api/v1/commands/c1/approve": () =>
        apiError(409, "already_decided", "x", { command_id: "c1", decision: "denied", reviewer: "bob", decided_at: "" }),
    });
    const dialog = await openWithE("c1");
    await replaceText(dialog, "make deploy-canary");
    await userEvent.click(within(dialog).getByRole("button", { name: "Approve edited command" }));
    expect(await within(mustCard("c1")).findByText("Already denied by bob")).toBeInTheDocument();
    expect(screen.queryByRole("dialog")).toBeNull();
  });

  it("keeps a multi-party command after an edited approval and says the count started again", async () => {
    const requirement = makeRequirement({ min_role: "senior", required: 2, reason: "two seniors", policy_id: "pol_1" });
    renderQueue([makeCommand({ id: "c1", command: "make deploy", requirement, approvals: 1, votes: [{ reviewer: "bob", role: "senior", vote: "approve", at: "2030-01-01T00:00:00Z", note: null }] })], {
      "POST /api/v1/commands/c1/approve": () =>
        json(
          200,
          makeCommand({
            id: "c1",
            command: "make deploy",
            approved_command: "make deploy-canary",
            edited: true,
            requirement,
            approvals: 1,
            votes: [{ reviewer: "alice", role: "admin", vote: "approve", at: "2030-01-01T00:01:00Z", note: null }],
          }),
        ),
    });
    const dialog = await openWithE("c1");
    expect(dialog).toHaveTextContent(/count starts again/);
    await replaceText(dialog, "make deploy-canary");
    await userEvent.click(within(dialog).getByRole("button", { name: "Approve edited command" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    const c1 = within(mustCard("c1"));
    expect(c1.getByText(/Your approval is counted: 1 of 2 approvals/)).toBeInTheDocument();
    expect(c1.getByText("Edited")).toBeInTheDocument();
    expect(mustCard("c1").querySelector(".card__command pre")).toHaveTextContent("make deploy-canary");
  });

  it("is not offered for an encrypted command, and says why", async () => {
    renderQueue([makeCommand({ id: "c1", command: "label", encrypted: makeEnvelope() })]);
    const button = within(mustCard("c1")).getByRole("button", { name: "Edit & approve" });
    expect(button).toBeDisabled();
    expect(button).toHaveAccessibleDescription(/encrypted commands cannot be edited/);
    await openWithEKeyOnly("c1");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(within(mustCard("c1")).getByRole("alert")).toHaveTextContent(/cannot be edited/);
  });

  it("is listed in the shortcuts help", async () => {
    renderQueue([makeCommand({ id: "c1" })]);
    await userEvent.keyboard("?");
    const help = screen.getByRole("dialog", { name: "Keyboard shortcuts" });
    expect(within(help).getByRole("row", { name: /E Edit the command, then approve the edited text/ })).toBeInTheDocument();
  });
});

async function openWithEKeyOnly(id: string) {
  await waitFor(() => expect(mustCard(id)).toHaveAttribute("aria-current", "true"));
  mustCard(id).focus();
  await userEvent.keyboard("e");
}

describe("editProblem", () => {
  it("refuses empty, unchanged and oversized texts", () => {
    expect(editProblem("  ", "ls")).toMatch(/empty/);
    expect(editProblem("ls", "ls")).toMatch(/Change the command/);
    expect(editProblem("x".repeat(64 * 1024 + 1), "ls")).toMatch(/64 KiB/);
    expect(editProblem("ls -l", "ls")).toBeNull();
  });
});
