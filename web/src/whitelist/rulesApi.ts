import {
  api,
  call,
  type PreviewRequest,
  type PreviewResponse,
  type WhitelistRuleCreate,
  type WhitelistRuleList,
  type WhitelistRuleUpdate,
  type WhitelistRuleView,
} from "../api";

/**
 * A change to a rule; `ttl_seconds: null` removes its expiry, leaving it out keeps it.
 * `confirm_denied_matches` is always sent: the server refuses a rule that would have
 * approved a denied command unless it is true.
 */
export type RuleChange = WhitelistRuleUpdate & Required<Pick<WhitelistRuleUpdate, "confirm_denied_matches">>;

export const RULE_LIST_LIMIT = 500;

export function listRules(q: string, signal?: AbortSignal): Promise<WhitelistRuleList> {
  const query = q.trim() ? { q: q.trim(), limit: RULE_LIST_LIMIT } : { limit: RULE_LIST_LIMIT };
  return call(api.GET("/api/v1/whitelist", { params: { query }, signal }));
}

export function getRule(id: string, signal?: AbortSignal): Promise<WhitelistRuleView> {
  return call(api.GET("/api/v1/whitelist/{rule_id}", { params: { path: { rule_id: id } }, signal }));
}

export type PreviewResult = PreviewResponse;

export function previewRule(body: PreviewRequest, signal?: AbortSignal): Promise<PreviewResult> {
  return call(api.POST("/api/v1/whitelist/preview", { body, signal }));
}

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
