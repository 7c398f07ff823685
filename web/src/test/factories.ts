import type { CommandView } from "../api";

let seq = 0;

/** A pending command with sensible defaults; override what the test is about. */
export function makeCommand(overrides: Partial<CommandView> = {}): CommandView {
  seq += 1;
  const id = overrides.id ?? `cmd_${seq}`;
  return {
    id,
    request_id: `req_${seq}`,
    command: `echo ${seq}`,
    parts: [`echo ${seq}`],
    target: "web-1",
    session: null,
    context: null,
    agent: { id: "agt_1", name: "deploy-bot" },
    status: "pending",
    risk_score: 10,
    anomalies: [],
    created_at: "2030-01-01T00:00:00Z",
    expires_at: "2030-01-01T00:05:00Z",
    decided_at: null,
    whitelisted: false,
    rule_id: null,
    reviewer: null,
    notes: null,
    latency_ms: null,
    decision: null,
    suggestions: [],
    ...overrides,
  };
}
