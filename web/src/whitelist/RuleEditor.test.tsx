import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { errorBody, stubApi, type Recorded } from "../test/http";
import { renderAt } from "../test/renderAt";
import { makeRule, preview } from "./fixtures";
import { RuleEditor } from "./RuleEditor";

afterEach(() => vi.unstubAllGlobals());

function saved(calls: Recorded[], method: string) {
  return calls.filter((c) => c.method === method && c.path.startsWith("/api/v1/whitelist") && !c.path.endsWith("/preview"));
}

describe("RuleEditor", () => {
  it("requires confirmation before saving a rule that would have approved denied commands", async () => {
    const user = userEvent.setup();
    const onSaved = vi.fn();
    const calls = stubApi({
      "POST /api/v1/whitelist/preview": () => ({ body: preview(3, 2) }),
      "POST /api/v1/whitelist": ({ body }) => ({ status: 201, body: makeRule(body as object) }),
    });
    renderAt(<RuleEditor rule={null} onSaved={onSaved} onCancel={() => {}} />, "/whitelist");

    await user.type(screen.getByLabelText("Pattern"), "rm -rf /tmp/*");
    await user.click(screen.getByLabelText("glob"));
    expect(await screen.findByText(/2 of them were denied/)).toBeInTheDocument();
    expect(screen.getByText(/Would have matched/)).toHaveTextContent("Would have matched 3 of the 120 past commands.");

    const create = screen.getByRole("button", { name: "Create rule" });
    expect(create).toBeDisabled();
    await user.click(screen.getByLabelText(/I have checked the 2 denied commands/));
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
    renderAt(<RuleEditor rule={null} onSaved={() => {}} onCancel={() => {}} />, "/whitelist");

    await user.type(screen.getByLabelText("Pattern"), "rm a");
    await user.click(await screen.findByLabelText(/I have checked the 1 denied command/));
    expect(screen.getByRole("button", { name: "Create rule" })).toBeEnabled();

    await user.type(screen.getByLabelText("Pattern"), "b");
    await waitFor(() => expect(screen.getByLabelText(/I have checked the 1 denied command/)).not.toBeChecked());
    expect(screen.getByRole("button", { name: "Create rule" })).toBeDisabled();
  });

  it("saves without confirmation when no denied command matches", async () => {
    const user = userEvent.setup();
    const calls = stubApi({
      "POST /api/v1/whitelist/preview": () => ({ body: preview(2, 0) }),
      "POST /api/v1/whitelist": ({ body }) => ({ status: 201, body: makeRule(body as object) }),
    });
    renderAt(<RuleEditor rule={null} onSaved={() => {}} onCancel={() => {}} />, "/whitelist");

    await user.type(screen.getByLabelText("Pattern"), "kubectl get pods");
    await waitFor(() => expect(screen.getByText(/Would have matched/)).toHaveTextContent("Would have matched 2 of"));
    expect(screen.queryByRole("checkbox")).toBeNull();
    await user.selectOptions(screen.getByLabelText("Scope"), "target");
    await user.type(screen.getByLabelText("Target name"), "web-1");
    await user.selectOptions(screen.getByLabelText("Expiry"), "after");
    await user.clear(screen.getByLabelText("Amount"));
    await user.type(screen.getByLabelText("Amount"), "2");
    await user.selectOptions(screen.getByLabelText("Unit"), "hours");
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
    renderAt(<RuleEditor rule={null} onSaved={() => {}} onCancel={() => {}} />, "/whitelist");
    await user.type(screen.getByLabelText("Pattern"), "rm *");
    await screen.findByText(/Would have matched none/);
    await user.click(screen.getByRole("button", { name: "Create rule" }));

    await user.click(await screen.findByLabelText(/I have checked the 4 denied commands/));
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
    renderAt(<RuleEditor rule={null} onSaved={() => {}} onCancel={() => {}} />, "/whitelist");
    await user.click(screen.getByLabelText("regex"));
    await user.type(screen.getByLabelText("Pattern"), "(a)\\1");

    const pattern = screen.getByLabelText("Pattern");
    await waitFor(() => expect(pattern).toHaveAttribute("aria-invalid", "true"));
    expect(pattern).toHaveAccessibleDescription(expect.stringContaining("backreferences are not supported"));
  });

  it("edits a rule with PATCH, keeping its expiry unless changed", async () => {
    const user = userEvent.setup();
    const rule = makeRule({ id: "rule_5", pattern: "ls", type: "exact", scope: "group:web", expires_at: "2031-01-01T00:00:00Z" });
    const calls = stubApi({
      "POST /api/v1/whitelist/preview": () => ({ body: preview(1, 0) }),
      "PATCH /api/v1/whitelist/rule_5": ({ body }) => ({ body: { ...rule, ...(body as object) } }),
    });
    const onSaved = vi.fn();
    renderAt(<RuleEditor rule={rule} onSaved={onSaved} onCancel={() => {}} />, "/whitelist");

    expect(screen.getByLabelText("Group name")).toHaveValue("web");
    await user.type(screen.getByLabelText("Pattern"), " -l");
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
