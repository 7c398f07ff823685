import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { KeyView } from "../api";
import { decodeBase64 } from "../encryption/base64";
import { BrowserKeyring } from "../encryption/keyring";
import { KeyringProvider } from "../encryption/KeyringProvider";
import { browserLabel } from "../encryption/keyPair";
import { memoryKeyStore, type StoredKey } from "../encryption/keyStore";
import { makeStoredKey } from "../encryption/testing";
import { stubApi, type Recorded } from "../test/http";
import { makeOrg } from "../test/factories";
import { renderAt } from "../test/renderAt";
import { SettingsPage } from "./SettingsPage";

vi.mock("../auth/session", () => ({
  useSignedInSession: () => ({
    reviewer: { id: "rev_1", name: "Alice Reviewer" },
    org: { id: "org_1", name: "Acme", timeout_seconds: 300 },
    expires_at: "2030-01-01T00:00:00Z",
  }),
}));

afterEach(() => vi.unstubAllGlobals());

const FP = "0931feac9fe8407d91ba2bd9a04d17b45ae5eadcfb31b2bd528a1300c5abe177";

function keyView(id: string, owner: { id: string; name: string }, label: string | null): KeyView {
  return { id, reviewer: owner, public_key: "", fingerprint: FP, bits: 3072, alg: "RSA-OAEP-256", label, created_at: "2030-01-01T00:00:00Z", revoked_at: null };
}

const ALICE = { id: "rev_1", name: "Alice Reviewer" };
const BOB = { id: "rev_2", name: "Bob" };

/** The org and keys endpoints over a mutable list of active keys. */
function serveKeys(keys: KeyView[], onRegister?: (body: { public_key: string; label: string | null }) => Promise<void>) {
  return stubApi({
    "GET /api/v1/org": () => ({ body: makeOrg() }),
    "GET /api/v1/keys": () => ({ body: { items: keys } }),
    "POST /api/v1/keys": async ({ body }) => {
      const create = body as { public_key: string; label: string | null };
      await onRegister?.(create);
      const view = { ...keyView("key_new", ALICE, create.label), public_key: create.public_key };
      keys.push(view);
      return { status: 201, body: view };
    },
    "DELETE /api/v1/keys/key_mine": () => {
      keys.splice(keys.findIndex((k) => k.id === "key_mine"), 1);
      return { status: 204 };
    },
  });
}

function renderSettings(keyring: BrowserKeyring) {
  return renderAt(
    <KeyringProvider keyring={keyring}>
      <SettingsPage />
    </KeyringProvider>,
    "/settings",
  );
}

const section = () => within(screen.getByRole("region", { name: "End-to-end encryption" }));

let mine: StoredKey;
beforeAll(async () => {
  mine = await makeStoredKey("key_mine");
});

describe("Settings → End-to-end encryption", () => {
  it("creates a key here: registers a base64 SPKI RSA-OAEP public key and keeps a non-extractable private key", async () => {
    const store = memoryKeyStore();
    let spki: CryptoKey | undefined;
    const calls: Recorded[] = serveKeys([keyView("key_bob", BOB, "bob's laptop")], async ({ public_key }) => {
      expect(public_key).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
      expect(public_key.length % 4).toBe(0);
      spki = await crypto.subtle.importKey("spki", decodeBase64(public_key), { name: "RSA-OAEP", hash: "SHA-256" }, true, ["encrypt"]);
    });
    renderSettings(new BrowserKeyring(store));

    expect(section().getByText(/Commands encrypted for a revoked or lost key cannot be read/)).toBeInTheDocument();
    const name = await section().findByLabelText("Key name");
    expect(name).toHaveValue(browserLabel(navigator.userAgent));
    await userEvent.clear(name);
    await userEvent.type(name, "work laptop");
    await userEvent.click(section().getByRole("button", { name: "Create a key for this browser" }));

    expect(await section().findByText(/This browser holds the key/, {}, { timeout: 5000 })).toBeInTheDocument();
    const post = calls.find((c) => c.method === "POST");
    expect(post?.path).toBe("/api/v1/keys");
    expect((post?.body as { label: string }).label).toBe("work laptop");
    expect(spki?.algorithm).toMatchObject({ name: "RSA-OAEP", modulusLength: 3072, hash: { name: "SHA-256" } });

    const stored = await store.load();
    expect(stored?.keyId).toBe("key_new");
    expect(stored?.reviewerId).toBe("rev_1");
    expect(stored?.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey("pkcs8", stored!.privateKey)).rejects.toThrow();

    // The list is reloaded and marks this browser's key; only one's own keys can be revoked.
    const row = await waitFor(() => {
      const current = document.querySelector('tr[aria-current="true"]');
      if (!(current instanceof HTMLElement)) throw new Error("no current row yet");
      return current;
    });
    expect(within(row).getByText("This browser")).toBeInTheDocument();
    expect(within(row).getByRole("button", { name: /Revoke work laptop/ })).toBeInTheDocument();
    expect(section().getAllByRole("button", { name: /^Revoke/ })).toHaveLength(1);
    expect(section().queryByRole("button", { name: "Create a key for this browser" })).toBeNull();
    expect(localStorage.length).toBe(0);
  });

  it("revokes this browser's key after a confirmation and removes it from here", async () => {
    const store = memoryKeyStore(mine);
    const calls = serveKeys([keyView("key_mine", ALICE, "laptop"), keyView("key_bob", BOB, null)]);
    renderSettings(new BrowserKeyring(store));

    await section().findByText(/This browser holds the key/);
    await userEvent.click(await section().findByRole("button", { name: /Revoke laptop/ }));
    const dialog = screen.getByRole("alertdialog", { name: "Revoke this key?" });
    expect(dialog).toHaveTextContent("It is this browser’s key");
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);

    await userEvent.click(section().getByRole("button", { name: /Revoke laptop/ }));
    await userEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Revoke" }));
    expect(await section().findByRole("button", { name: "Create a key for this browser" })).toBeInTheDocument();
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/api/v1/keys/key_mine"]);
    expect(await store.load()).toBeNull();
    await waitFor(() => expect(section().queryAllByRole("row")).toHaveLength(2));
  });

  it("offers to drop a key the server no longer lists (revoked elsewhere)", async () => {
    const store = memoryKeyStore(mine);
    serveKeys([keyView("key_bob", BOB, null)]);
    renderSettings(new BrowserKeyring(store));
    const alert = await section().findByRole("alert");
    expect(alert).toHaveTextContent(/no longer active/);
    await userEvent.click(within(alert).getByRole("button", { name: "Remove it from this browser" }));
    expect(await section().findByRole("button", { name: "Create a key for this browser" })).toBeInTheDocument();
    expect(await store.load()).toBeNull();
  });

  it("says a key another reviewer made in this browser is not used for this one", async () => {
    const bobs = await makeStoredKey("key_bob", "rev_2");
    serveKeys([keyView("key_bob", BOB, null)]);
    renderSettings(new BrowserKeyring(memoryKeyStore(bobs)));
    expect(await section().findByText(/holds another reviewer’s key/)).toBeInTheDocument();
    expect(section().queryByText(/This browser holds the key/)).toBeNull();
  });
});
