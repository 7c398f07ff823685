import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { EncryptedEnvelope } from "../api";
import { decodeBase64, encodeBase64 } from "./base64";
import { openEnvelope } from "./envelope";
import { encryptFor, makeStoredKey, tamper } from "./testing";

const held = (k: { keyId: string; privateKey: CryptoKey }) => ({ keyId: k.keyId, privateKey: k.privateKey });

describe("base64", () => {
  it("round-trips bytes in the standard padded alphabet and refuses URL-safe or unpadded text", () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 7) % 256);
    const text = encodeBase64(bytes);
    expect(decodeBase64(text)).toEqual(bytes);
    expect(encodeBase64(new Uint8Array([251, 255]))).toBe("+/8=");
    expect(() => decodeBase64("-_8=")).toThrow(SyntaxError);
    expect(() => decodeBase64("+/8")).toThrow(SyntaxError);
  });
});

describe("openEnvelope", () => {
  it("decrypts what an agent encrypted, exactly, including non-ASCII and escape sequences", async () => {
    const mine = await makeStoredKey("key_mine");
    const other = await makeStoredKey("key_other");
    const command = "psql -c 'select * from naïve_users' # 日本語 🚀\n\u001b[31mred\u001b[0m\r\ttab\u0000nul";
    const envelope = await encryptFor(command, [other, mine]);
    expect(await openEnvelope(envelope, held(mine))).toEqual({ state: "readable", text: command });
    expect(await openEnvelope(envelope, held(other))).toEqual({ state: "readable", text: command });
  });

  it("says so when the browser has no key or is not a recipient", async () => {
    const mine = await makeStoredKey("key_mine");
    const other = await makeStoredKey("key_other");
    const envelope = await encryptFor("ls", [other]);
    expect(await openEnvelope(envelope, null)).toEqual({ state: "unreadable", reason: "no-key" });
    expect(await openEnvelope(envelope, held(mine))).toEqual({ state: "unreadable", reason: "not-for-this-key" });
  });

  it("refuses tampered ciphertext, a swapped wrapped key, and a foreign algorithm", async () => {
    const mine = await makeStoredKey("key_mine");
    const envelope = await encryptFor("rm -rf /tmp/x", [mine]);
    expect(await openEnvelope(tamper(envelope), held(mine))).toEqual({ state: "unreadable", reason: "tampered" });

    // Our key id, but a key wrapped for someone else's public key.
    const other = await makeStoredKey("key_other");
    const forOther = await encryptFor("rm -rf /tmp/x", [{ keyId: "key_mine", publicKey: other.publicKey }]);
    expect(await openEnvelope(forOther, held(mine))).toEqual({ state: "unreadable", reason: "tampered" });

    expect(await openEnvelope({ ...envelope, alg: "RSA1_5+A128CBC" }, held(mine))).toEqual({ state: "unreadable", reason: "unsupported" });
    expect(await openEnvelope({ ...envelope, iv: "not base64!" }, held(mine))).toEqual({ state: "unreadable", reason: "unsupported" });
  });
});

interface Vectors {
  private_key_pkcs8: string;
  cases: { name: string; plaintext: string; envelope: EncryptedEnvelope }[];
}

describe("the published encryption vectors (protocol/vectors/encryption.json)", () => {
  const vectors = JSON.parse(
    readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../../../protocol/vectors/encryption.json"), "utf8"),
  ) as Vectors;

  it.each(vectors.cases.map((c) => [c.name, c] as const))("opens %s as the SDK sealed it", async (_name, vector) => {
    const privateKey = await crypto.subtle.importKey(
      "pkcs8",
      decodeBase64(vectors.private_key_pkcs8),
      { name: "RSA-OAEP", hash: "SHA-256" },
      false,
      ["decrypt"],
    );
    const keyId = vector.envelope.recipients[0]?.key_id ?? "";
    expect(await openEnvelope(vector.envelope, { keyId, privateKey })).toEqual({ state: "readable", text: vector.plaintext });
  });
});
