import type { AuditEventView, CommandView, EncryptedEnvelope } from "../api";

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
    encrypted: null,
    ...overrides,
  };
}

/**
 * A well-formed envelope nobody in the test can open (random bytes): what a
 * browser without a matching key sees. Use `encryptFor` in
 * `encryption/testing.ts` for one a test key can read.
 */
export function makeEnvelope(keyIds: string[] = ["key_other"]): EncryptedEnvelope {
  const b64 = (n: number) => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(n))));
  return {
    alg: "RSA-OAEP-256+A256GCM",
    iv: b64(12),
    ciphertext: b64(40),
    recipients: keyIds.map((key_id) => ({ key_id, wrapped_key: b64(384) })),
  };
}

/** An audit event about `cmd_1` by the agent `deploy-bot`; ids count up unless given. */
export function makeAuditEvent(action: string, at: string, overrides: Partial<AuditEventView> = {}): AuditEventView {
  seq += 1;
  return {
    id: seq,
    at,
    actor_type: "agent",
    actor_id: "agt_1",
    actor_name: "deploy-bot",
    action,
    command_id: "cmd_1",
    rule_id: null,
    data: {},
    ...overrides,
  };
}
