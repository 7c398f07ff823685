import { api, call, type SuggestedRule } from "../api";

export async function listOpenSuggestions(signal?: AbortSignal): Promise<SuggestedRule[]> {
  const page = await call(api.GET("/api/v1/suggestions", { params: { query: { status: "open" } }, signal }));
  return page.items;
}

/** Recompute from history now; answers the open suggestions. */
export async function refreshSuggestions(): Promise<SuggestedRule[]> {
  return (await call(api.POST("/api/v1/suggestions/refresh"))).items;
}

/** Create the suggested rule, expiring after `ttlSeconds` (null: never). */
export function acceptSuggestion(id: string, ttlSeconds: number | null): Promise<SuggestedRule> {
  const body = ttlSeconds === null ? {} : { ttl_seconds: ttlSeconds };
  return call(api.POST("/api/v1/suggestions/{suggestion_id}/accept", { params: { path: { suggestion_id: id } }, body }));
}

export function dismissSuggestion(id: string): Promise<SuggestedRule> {
  return call(api.POST("/api/v1/suggestions/{suggestion_id}/dismiss", { params: { path: { suggestion_id: id } } }));
}
