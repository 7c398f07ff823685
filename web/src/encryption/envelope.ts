/**
 * Opening an end-to-end encrypted command (docs/ENCRYPTION.md, "In the browser").
 *
 * The agent picks a random AES-256 key, encrypts the UTF-8 command with
 * AES-GCM (12-byte iv, 128-bit tag appended, no additional data) and wraps
 * the AES key with RSA-OAEP-SHA-256 for every reviewer key of the org. Here
 * we find our recipient, unwrap, decrypt, and decode strictly: text we could
 * not authenticate is never shown as the command.
 */
import type { EncryptedEnvelope } from "../api";
import { decodeBase64 } from "./base64";

export const ENVELOPE_ALG = "RSA-OAEP-256+A256GCM";

/** The key this browser holds: the server's id for it and the non-extractable private key. */
export interface HeldKey {
  keyId: string;
  privateKey: CryptoKey;
}

/** Why a command could not be shown. */
export type Unreadable =
  /** This browser has no key at all. */
  | "no-key"
  /** Encrypted for other reviewers' keys, not ours. */
  | "not-for-this-key"
  /** Our key is listed but unwrapping or AES-GCM failed: altered in transit or at rest. */
  | "tampered"
  /** An algorithm or encoding this app does not know. */
  | "unsupported";

export type Opened = { state: "readable"; text: string } | { state: "unreadable"; reason: Unreadable };

/** Open `envelope` with `held`; never throws, every failure is an `unreadable` answer. */
export async function openEnvelope(envelope: EncryptedEnvelope, held: HeldKey | null): Promise<Opened> {
  if (envelope.alg !== ENVELOPE_ALG) return unreadable("unsupported");
  if (!held) return unreadable("no-key");
  const mine = envelope.recipients.find((r) => r.key_id === held.keyId);
  if (!mine) return unreadable("not-for-this-key");

  let wrapped: Uint8Array<ArrayBuffer>, iv: Uint8Array<ArrayBuffer>, ciphertext: Uint8Array<ArrayBuffer>;
  try {
    wrapped = decodeBase64(mine.wrapped_key);
    iv = decodeBase64(envelope.iv);
    ciphertext = decodeBase64(envelope.ciphertext);
  } catch {
    return unreadable("unsupported");
  }
  if (iv.length !== 12) return unreadable("unsupported");

  try {
    const rawKey = await crypto.subtle.decrypt({ name: "RSA-OAEP" }, held.privateKey, wrapped);
    if (rawKey.byteLength !== 32) return unreadable("tampered");
    const aesKey = await crypto.subtle.importKey("raw", rawKey, { name: "AES-GCM" }, false, ["decrypt"]);
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv, tagLength: 128 }, aesKey, ciphertext);
    return { state: "readable", text: new TextDecoder("utf-8", { fatal: true }).decode(plain) };
  } catch {
    // OperationError from RSA-OAEP or the GCM tag, or invalid UTF-8: all mean
    // "this is not what the agent sealed for us".
    return unreadable("tampered");
  }
}

function unreadable(reason: Unreadable): Opened {
  return { state: "unreadable", reason };
}
