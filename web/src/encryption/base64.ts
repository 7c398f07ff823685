/**
 * Standard base64 with padding, the encoding of every binary field in the
 * envelope and of the SPKI public key (docs/ENCRYPTION.md).
 */

/** Encode bytes; chunked so a 64 KiB ciphertext does not overflow the argument list. */
export function encodeBase64(data: ArrayBuffer | Uint8Array): string {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

const STANDARD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decode standard padded base64; throws `SyntaxError` on anything else (no URL-safe alphabet). */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  if (!STANDARD.test(text)) throw new SyntaxError("not standard base64");
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
