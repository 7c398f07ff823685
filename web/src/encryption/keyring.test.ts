import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { stubApi } from "../test/http";
import { BrowserKeyring } from "./keyring";
import { indexedDbKeyStore, KeyStorageError, memoryKeyStore, type KeyStore, type StoredKey } from "./keyStore";
import { encryptFor, makeStoredKey } from "./testing";

afterEach(() => vi.unstubAllGlobals());

let mine: StoredKey;
beforeAll(async () => {
  mine = await makeStoredKey("key_mine");
});

describe("BrowserKeyring", () => {
  it("opens each command once for the current key and forgets the results with the key", async () => {
    const keyring = new BrowserKeyring(memoryKeyStore(mine));
    const envelope = await encryptFor("uptime", [mine]);
    const decrypt = vi.spyOn(crypto.subtle, "decrypt");

    expect(keyring.peek("c1", "rev_1")).toBeUndefined();
    const [a, b] = await Promise.all([keyring.open("c1", envelope, "rev_1"), keyring.open("c1", envelope, "rev_1")]);
    expect(a).toEqual({ state: "readable", text: "uptime" });
    expect(b).toBe(a);
    expect(decrypt).toHaveBeenCalledTimes(2); // one RSA unwrap, one AES-GCM
    await Promise.resolve();
    expect(keyring.peek("c1", "rev_1")).toEqual(a);

    await keyring.forget();
    expect(keyring.peek("c1", "rev_1")).toBeUndefined();
    expect(await keyring.open("c1", envelope, "rev_1")).toEqual({ state: "unreadable", reason: "no-key" });
  });

  it("never reads with a key another reviewer made in this browser", async () => {
    const keyring = new BrowserKeyring(memoryKeyStore(mine)); // made by rev_1
    const envelope = await encryptFor("cat /etc/shadow", [mine]);
    expect(await keyring.open("c2", envelope, "rev_2")).toEqual({ state: "unreadable", reason: "no-key" });
    expect(await keyring.open("c2", envelope, null)).toEqual({ state: "unreadable", reason: "no-key" });
    expect(await keyring.open("c2", envelope, "rev_1")).toEqual({ state: "readable", text: "cat /etc/shadow" });
  });

  it("revokes the just-registered key when this browser cannot keep it", async () => {
    const calls = stubApi({
      "POST /api/v1/keys": () => ({
        status: 201,
        body: { id: "key_new", reviewer: { id: "rev_1", name: "a" }, public_key: "", fingerprint: "ab", bits: 3072, label: null, created_at: "2030-01-01T00:00:00Z" },
      }),
      "DELETE /api/v1/keys/key_new": () => ({ status: 204 }),
    });
    const failing: KeyStore = { ...memoryKeyStore(), save: () => Promise.reject(new KeyStorageError("quota exceeded")) };
    const keyring = new BrowserKeyring(failing);
    await expect(keyring.create(null, "rev_1")).rejects.toThrow("quota exceeded");
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual(["POST /api/v1/keys", "DELETE /api/v1/keys/key_new"]);
    await keyring.load();
    expect(keyring.getState()).toEqual({ status: "ready", key: null });
  });

  it("reads as holding no key where there is no IndexedDB", async () => {
    const keyring = new BrowserKeyring(indexedDbKeyStore(undefined));
    await keyring.load();
    expect(keyring.getState()).toMatchObject({ status: "unavailable", key: null });
    expect(await keyring.open("c1", await encryptFor("x", [mine]), "rev_1")).toEqual({ state: "unreadable", reason: "no-key" });
  });
});
