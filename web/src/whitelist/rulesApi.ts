import {
  api,
  call,
  type PreviewRequest,
  type RuleType,
  type WhitelistRuleCreate,
  type WhitelistRuleView,
} from "../api";

/** A change to a rule; `ttl_seconds: null` removes its expiry, leaving it out keeps it. */
export interface RuleChange {
  pattern?: string;
  type?: RuleType;
  scope?: string;
  ttl_seconds?: number | null;
  /** Always sent: the server refuses a rule that would have approved a denied command unless this is true. */
  confirm_denied_matches: boolean;
}

export const RULE_LIST_LIMIT = 500;

export function listRules(q: string, signal?: AbortSignal): Promise<{ items: WhitelistRuleView[] }> {
  const query = q.trim() ? { q: q.trim(), limit: RULE_LIST_LIMIT } : { limit: RULE_LIST_LIMIT };
  return call(api.GET("/api/v1/whitelist", { params: { query }, signal }));
}

export function getRule(id: string, signal?: AbortSignal): Promise<WhitelistRuleView> {
  return call(api.GET("/api/v1/whitelist/{rule_id}", { params: { path: { rule_id: id } }, signal })) as Promise<WhitelistRuleView>;
}

export function previewRule(body: PreviewRequest, signal?: AbortSignal) {
  return call(api.POST("/api/v1/whitelist/preview", { body, signal }));
}

export type PreviewResult = Awaited<ReturnType<typeof previewRule>>;

export function createRule(body: WhitelistRuleCreate): Promise<WhitelistRuleView> {
  return call(api.POST("/api/v1/whitelist", { body }));
}

export function updateRule(id: string, change: RuleChange): Promise<WhitelistRuleView> {
  return call(api.PATCH("/api/v1/whitelist/{rule_id}", { params: { path: { rule_id: id } }, body: change }));
}

export function expireRule(id: string): Promise<WhitelistRuleView> {
  return call(api.POST("/api/v1/whitelist/{rule_id}/expire", { params: { path: { rule_id: id } } }));
}

export function deleteRule(id: string): Promise<void> {
  return call(api.DELETE("/api/v1/whitelist/{rule_id}", { params: { path: { rule_id: id } } })).then(() => undefined);
}
