import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { StoredKey } from "../encryption/keyStore";
import { encryptFor, makeStoredKey, tamper, testKeyring } from "../encryption/testing";
import { makeCommand } from "../test/factories";
import { json } from "../test/http";
import { renderQueue } from "../test/renderQueue";

const mustCard = (id: string) => {
  const el = document.querySelector<HTMLElement>(`article[data-command-id="${id}"]`);
  if (!el) throw new Error(`no card ${id}`);
  return el;
};

const SECRET = "psql -c 'drop table naïve' # 日本語\n\u001b[31mred\u001b[0m";

let mine: StoredKey;
let other: StoredKey;
beforeAll(async () => {
  [mine, other] = await Promise.all([makeStoredKey("key_mine"), makeStoredKey("key_other")]);
});

const noSuggestions = [{ type: "exact" as const, pattern: "label", scope: "web-1", reason: "Exactly this" }];

describe("an encrypted command this browser can read", () => {
  it("shows Decrypting…, then the plaintext inert, with the badge and the agent's label beside it", async () => {
    const encrypted = await encryptFor(SECRET, [other, mine]);
    renderQueue([makeCommand({ id: "c1", command: "db maintenance", encrypted, risk_score: 50 })], {}, { keyring: testKeyring(mine) });
    const card = within(mustCard("c1"));
    expect(card.getByText("End-to-end encrypted")).toBeInTheDocument();
    expect(card.getByText("db maintenance")).toHaveClass("card__label");

    const pre = await waitFor(() => {
      const el = mustCard("c1").querySelector("pre");
      if (!el) throw new Error("not decrypted yet");
      return el;
    });
    expect(pre.textContent).toBe("psql -c 'drop table naïve' # 日本語\n\\x1b[31mred\\x1b[0m");
    expect(Array.from(pre.querySelectorAll(".inert")).map((n) => n.textContent)).toEqual(["\\x1b", "\\x1b"]);
    expect(card.queryByText("Decrypting…")).toBeNull();
    expect(card.getByRole("button", { name: "Approve" })).toBeEnabled();
  });

  it("approves with A once readable, but never offers whitelisting", async () => {
    const approve = vi.fn(() => json(200, {}));
    const encrypted = await encryptFor("ls /srv", [mine]);
    renderQueue(
      [makeCommand({ id: "c1", command: "list", encrypted, suggestions: noSuggestions })],
      { "POST /api/v1/commands/c1/approve": approve },
      { keyring: testKeyring(mine) },
    );
    const card = within(mustCard("c1"));
    await card.findByText("ls /srv");
    expect(card.queryByRole("button", { name: "Approve and whitelist" })).toBeNull();
    expect(card.queryByText("Suggested rules")).toBeNull();

    await userEvent.keyboard("w");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(card.getByRole("alert")).toHaveTextContent(/never whitelisted/);

    mustCard("c1").focus();
    await userEvent.keyboard("a");
    await waitFor(() => expect(approve).toHaveBeenCalledTimes(1));
  });
});

describe("an encrypted command this browser cannot read", () => {
  it("for other reviewers' keys: says so, disables Approve, and A does not decide", async () => {
    const approve = vi.fn(() => json(200, {}));
    const encrypted = await encryptFor(SECRET, [other]);
    renderQueue([makeCommand({ id: "c1", command: "label", encrypted })], { "POST /api/v1/commands/c1/approve": approve }, { keyring: testKeyring(mine) });
    const card = within(mustCard("c1"));
    expect(await card.findByText("Encrypted for other reviewers' keys — this browser cannot read it.")).toBeInTheDocument();
    expect(card.getByRole("button", { name: "Approve" })).toBeDisabled();
    expect(card.getByRole("button", { name: "Deny" })).toBeEnabled();
    expect(card.queryByRole("button", { name: "Approve and whitelist" })).toBeNull();
    expect(mustCard("c1").querySelector("pre")).toBeNull();

    mustCard("c1").focus();
    await userEvent.keyboard("a");
    expect(card.getByRole("alert")).toHaveTextContent("Cannot approve: this browser cannot read this encrypted command");
    expect(approve).not.toHaveBeenCalled();
    expect(mustCard("c1")).toBeInTheDocument();
  });

  it("without any key: the same notice and a way to make one", async () => {
    const encrypted = await encryptFor(SECRET, [other]);
    renderQueue([makeCommand({ id: "c1", encrypted })]);
    const card = within(mustCard("c1"));
    expect(await card.findByText(/this browser cannot read it/)).toBeInTheDocument();
    expect(card.getByRole("link", { name: "Create a key for this browser" })).toHaveAttribute("href", "/settings");
    expect(card.getByRole("button", { name: "Approve" })).toBeDisabled();
  });

  it("tampered ciphertext: could not decrypt, Approve disabled, A does not decide, Deny still works", async () => {
    const approve = vi.fn(() => json(200, {}));
    const deny = vi.fn(() => json(200, {}));
    const encrypted = tamper(await encryptFor(SECRET, [mine]));
    renderQueue(
      [makeCommand({ id: "c1", encrypted })],
      { "POST /api/v1/commands/c1/approve": approve, "POST /api/v1/commands/c1/deny": deny },
      { keyring: testKeyring(mine) },
    );
    const card = within(mustCard("c1"));
    expect(await card.findByText("Could not decrypt: the ciphertext does not match.")).toBeInTheDocument();
    expect(card.getByRole("button", { name: "Approve" })).toBeDisabled();

    mustCard("c1").focus();
    await userEvent.keyboard("a");
    expect(approve).not.toHaveBeenCalled();
    expect(card.getByRole("alert")).toHaveTextContent(/Cannot approve/);

    await userEvent.keyboard("d");
    await waitFor(() => expect(deny).toHaveBeenCalledTimes(1));
  });

  it("a right swipe does not approve it", async () => {
    vi.stubGlobal("matchMedia", (query: string) => ({
      matches: true,
      media: query,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
    }));
    vi.spyOn(HTMLElement.prototype, "getBoundingClientRect").mockReturnValue({
      width: 360, height: 200, x: 0, y: 0, top: 0, left: 0, right: 360, bottom: 200, toJSON: () => ({}),
    });
    const approve = vi.fn(() => json(200, {}));
    const encrypted = await encryptFor(SECRET, [other]);
    renderQueue([makeCommand({ id: "c1", encrypted, risk_score: 90 })], { "POST /api/v1/commands/c1/approve": approve }, { keyring: testKeyring(mine) });
    const el = mustCard("c1");
    await within(el).findByText(/this browser cannot read it/);
    const base = { pointerId: 1, pointerType: "touch", isPrimary: true, clientY: 100 };
    fireEvent.pointerDown(el, { ...base, clientX: 10 });
    fireEvent.pointerMove(el, { ...base, clientX: 110 });
    fireEvent.pointerMove(el, { ...base, clientX: 210 });
    fireEvent.pointerUp(el, { ...base, clientX: 210 });
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(within(el).getByRole("alert")).toHaveTextContent(/Cannot approve/);
    expect(approve).not.toHaveBeenCalled();
  });
});
