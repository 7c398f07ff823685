/** This browser's RSA-OAEP key pair: made here, the private half never leaves WebCrypto. */
import { encodeBase64 } from "./base64";

export const RSA_OAEP_PARAMS: RsaHashedKeyGenParams = {
  name: "RSA-OAEP",
  modulusLength: 3072,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
};

/**
 * A fresh key pair. `extractable: false` applies to the private key; WebCrypto
 * always lets the public key be exported, which is what registration needs.
 */
export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(RSA_OAEP_PARAMS, false, ["encrypt", "decrypt"]);
}

/** Base64 (standard, padded) of the DER SubjectPublicKeyInfo: `KeyCreate.public_key`. */
export async function exportPublicKey(publicKey: CryptoKey): Promise<string> {
  return encodeBase64(await crypto.subtle.exportKey("spki", publicKey));
}

/** A default key label such as "Firefox on Linux", from the user agent string. */
export function browserLabel(userAgent: string): string {
  const browser =
    /Edg\//.test(userAgent) ? "Edge"
    : /Firefox\//.test(userAgent) ? "Firefox"
    : /Chrome\//.test(userAgent) ? "Chrome"
    : /Safari\//.test(userAgent) ? "Safari"
    : "Browser";
  const system =
    /iPhone|iPad/.test(userAgent) ? "iOS"
    : /Android/.test(userAgent) ? "Android"
    : /Mac OS X|Macintosh/.test(userAgent) ? "macOS"
    : /Windows/.test(userAgent) ? "Windows"
    : /Linux|X11/.test(userAgent) ? "Linux"
    : null;
  return system ? `${browser} on ${system}` : browser;
}
