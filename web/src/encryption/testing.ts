/*
 * Test helpers: a key this "browser" holds, and envelopes built the way an
 * agent builds them (random AES-256 key, AES-GCM, RSA-OAEP wrap per recipient).
 */
import type { EncryptedEnvelope } from "../api";
import { encodeBase64 } from "./base64";
import { ENVELOPE_ALG } from "./envelope";
import { BrowserKeyring } from "./keyring";
import { generateKeyPair } from "./keyPair";
import { memoryKeyStore, type StoredKey } from "./keyStore";

export async function makeStoredKey(keyId: string, reviewerId = "rev_1"): Promise<StoredKey> {
  const pair = await generateKeyPair();
  return {
    keyId,
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    fingerprint: "00".repeat(32),
    label: "test browser",
    reviewerId,
    createdAt: "2030-01-01T00:00:00Z",
  };
}

/** A keyring over a Map, holding `key` (or nothing). */
export function testKeyring(key: StoredKey | null = null): BrowserKeyring {
  return new BrowserKeyring(memoryKeyStore(key));
}

/** Encrypt `text` for each recipient, exactly as an agent does. */
export async function encryptFor(text: string, recipients: { keyId: string; publicKey: CryptoKey }[]): Promise<EncryptedEnvelope> {
  const aesKey = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt"]);
  const raw = await crypto.subtle.exportKey("raw", aesKey);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv, tagLength: 128 }, aesKey, new TextEncoder().encode(text));
  return {
    alg: ENVELOPE_ALG,
    iv: encodeBase64(iv),
    ciphertext: encodeBase64(ciphertext),
    recipients: await Promise.all(
      recipients.map(async ({ keyId, publicKey }) => ({
        key_id: keyId,
        wrapped_key: encodeBase64(await crypto.subtle.encrypt({ name: "RSA-OAEP" }, publicKey, raw)),
      })),
    ),
  };
}

/** The same envelope with one bit of the ciphertext flipped: AES-GCM must refuse it. */
export function tamper(envelope: EncryptedEnvelope): EncryptedEnvelope {
  const bytes = Uint8Array.from(atob(envelope.ciphertext), (c) => c.charCodeAt(0));
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  return { ...envelope, ciphertext: encodeBase64(bytes) };
}
