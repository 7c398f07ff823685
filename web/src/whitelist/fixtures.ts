import type { WhitelistRuleView } from "../api";

let seq = 0;

/** A live global exact rule; override what the test is about. */
export function makeRule(overrides: Partial<WhitelistRuleView> = {}): WhitelistRuleView {
  seq += 1;
  return {
    id: `rule_${seq}`,
    pattern: `ls -l ${seq}`,
    type: "exact",
    scope: "global",
    expires_at: null,
    expired: false,
    created_at: "2030-01-01T00:00:00Z",
    updated_at: "2030-01-01T00:00:00Z",
    created_by: "alice",
    created_from_command_id: null,
    created_from_command: null,
    hit_count: 0,
    last_hit_at: null,
    ...overrides,
  };
}

export function preview(matched: number, denied: number) {
  return {
    matched,
    denied_matched: denied,
    scanned: 120,
    truncated: false,
    complete: true,
    matches: Array.from({ length: matched }, (_, i) => ({
      id: `cmd_p${i}`,
      command: `rm -rf /tmp/${i}`,
      target: "web-1",
      agent: "deploy-bot",
      status: i < denied ? "denied" : "approved",
      created_at: "2030-01-01T00:00:00Z",
    })),
  };
}
