/** The org's reviewer keys on the server: `/api/v1/keys`. */
import { api, call, type KeyView } from "../api";

export async function listKeys(signal?: AbortSignal): Promise<KeyView[]> {
  const list = await call(api.GET("/api/v1/keys", { signal }));
  return list.items;
}

/** Register a public key (base64 SPKI); 201 when new, 200 when it was already registered. */
export async function registerKey(publicKey: string, label: string | null): Promise<KeyView> {
  return call(api.POST("/api/v1/keys", { body: { public_key: publicKey, label } }));
}

export async function revokeKey(keyId: string): Promise<void> {
  await call(api.DELETE("/api/v1/keys/{key_id}", { params: { path: { key_id: keyId } } }));
}
