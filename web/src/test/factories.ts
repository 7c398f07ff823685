import type {
  AgentSessionDetail,
  AuditEventView,
  CommandView,
  EncryptedEnvelope,
  OrgView,
  RecordingDetail,
  RecordingMarker,
  RecordingSummary,
  Requirement,
  SessionCommand,
  SuggestedRule,
  Vote,
} from "../api";

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
    requirement: ROUTINE,
    votes: [],
    approvals: 0,
    escalated_at: null,
    edited: false,
    approved_command: null,
    session_id: null,
    recording_id: null,
    ...overrides,
  };
}

/** One approval by any reviewer: what most commands need. */
export const ROUTINE: Requirement = { min_role: "reviewer", required: 1, mode: "AllOf", reason: "default routing", policy_id: null };

export function makeRequirement(overrides: Partial<Requirement> = {}): Requirement {
  return { ...ROUTINE, ...overrides };
}

export function makeVote(reviewer: string, overrides: Partial<Vote> = {}): Vote {
  return { reviewer, role: "reviewer", vote: "approve", at: "2030-01-01T00:01:00Z", note: null, ...overrides };
}

/** A stored agent session with its commands, oldest first. */
export function makeAgentSession(overrides: Partial<AgentSessionDetail> = {}): AgentSessionDetail {
  const items = overrides.items ?? [];
  return {
    id: "ses_1",
    client_id: "s1",
    agent: "deploy-bot",
    goal: "Ship it",
    steps: ["build", "deploy", "verify"],
    current_step: 1,
    status: "active",
    created_at: "2030-01-01T00:00:00Z",
    updated_at: "2030-01-01T00:00:00Z",
    ended_at: null,
    commands: items.length,
    items,
    ...overrides,
  };
}

export function makeSessionCommand(overrides: Partial<SessionCommand> = {}): SessionCommand {
  seq += 1;
  return {
    id: `cmd_s${seq}`,
    command: `make step-${seq}`,
    status: "approved",
    step: 0,
    created_at: "2030-01-01T00:00:00Z",
    decided_at: "2030-01-01T00:00:10Z",
    reviewer: "alice",
    whitelisted: false,
    edited: false,
    ...overrides,
  };
}

/** An open suggestion with plain evidence; override what the test is about. */
export function makeSuggestedRule(overrides: Partial<SuggestedRule> = {}): SuggestedRule {
  seq += 1;
  const { evidence, ...rest } = overrides;
  return {
    id: `sug_${seq}`,
    pattern: "rm /tmp/build-*",
    type: "glob",
    scope: "global",
    status: "open",
    upgrade_of_rule_id: null,
    summary: "3 similar commands were approved and none denied",
    created_at: "2030-01-01T00:00:00Z",
    updated_at: "2030-01-01T00:00:00Z",
    decided_at: null,
    decided_by: null,
    rule_id: null,
    evidence: {
      approved: 12,
      denied: 0,
      distinct_commands: 3,
      would_auto_approve: 31,
      matched: 31,
      matched_denied: 0,
      matched_high_risk: 0,
      scanned: 200,
      examples: ["rm /tmp/build-1", "rm /tmp/build-2"],
      last_approved_at: "2030-01-01T00:00:00Z",
      reviewers: ["alice"],
      ...evidence,
    },
    ...rest,
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

/** The organisation with its default policy; override what the test is about. */
export function makeOrg(overrides: Partial<OrgView> = {}): OrgView {
  return {
    id: "org_1",
    name: "Acme",
    timeout_seconds: 300,
    timeout_action: "deny",
    senior_risk_threshold: 70,
    working_hours: null,
    egress_allow_list: [],
    record_input: false,
    recording_retention_days: null,
    ...overrides,
  };
}

/** A finished recording of one session, two commands long; override what the test is about. */
export function makeRecording(overrides: Partial<RecordingSummary> = {}): RecordingSummary {
  seq += 1;
  return {
    id: `rec_${seq}`,
    agent_id: "agt_1",
    agent_name: "deploy-bot",
    session_id: "ses_1",
    command_id: "cmd_1",
    title: "Ship it",
    status: "finished",
    started_at: "2030-01-01T00:00:00Z",
    ended_at: "2030-01-01T00:01:05Z",
    duration_seconds: 65,
    bytes: 4300,
    truncated: false,
    width: 80,
    height: 24,
    input_captured: false,
    commands: 2,
    ...overrides,
  };
}

export function makeMarker(overrides: Partial<RecordingMarker> = {}): RecordingMarker {
  seq += 1;
  return { time: 0, label: `make step-${seq}`, command_id: `cmd_${seq}`, exit_code: 0, finished: true, ...overrides };
}

export function makeRecordingDetail(overrides: Partial<RecordingDetail> = {}): RecordingDetail {
  const markers = overrides.markers ?? [
    makeMarker({ time: 0.5, label: "make build", command_id: "cmd_1", exit_code: 0 }),
    makeMarker({ time: 12.25, label: "make deploy", command_id: "cmd_2", exit_code: 2 }),
  ];
  return { ...makeRecording(overrides), markers, ...overrides };
}
