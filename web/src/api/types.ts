/**
 * The names the app uses for API shapes. Every REST type is an alias of a type
 * generated from docs/openapi.yml (`npm run gen` -> schema.d.ts), so a server
 * change shows up here as a type error instead of drifting silently. Fix a
 * wrong or loose type in the server's pydantic schemas, then regenerate
 * (docs/openapi.yml, then `npm run gen`); never overlay one here.
 *
 * `npm run gen` passes `--default-non-nullable false`: a request field with a
 * default (`confirm_denied_matches`, a rule's `type` and `scope`) may be left
 * out, so it must stay optional. Response fields are exact too: the server's
 * response schemas list every field they always send as required, defaults
 * included (`json_schema_serialization_defaults_required`).
 *
 * Hand-written, because openapi.yml cannot describe them: the reviewer
 * WebSocket frames and the `details` of particular error codes.
 */
import type { components, paths } from "./schema";

type Schemas = components["schemas"];

// ---- shared ------------------------------------------------------------------

export type ErrorResponse = Schemas["ErrorResponse"];
export type OrgView = Schemas["OrgView"];
export type SessionView = Schemas["SessionView"];
export type SignIn = Schemas["SignIn"];
export type AuditEventView = Schemas["AuditEventView"];
export type WhoAmI = Schemas["WhoAmI"];
export type ReviewerRole = Schemas["ReviewerRole"];
export type OrgUpdate = Schemas["OrgUpdate"];
export type WorkingHours = Schemas["WorkingHoursBody"];

// ---- commands ----------------------------------------------------------------

/**
 * A command as REST and the reviewer WebSocket send it. When `encrypted` is set
 * (docs/ENCRYPTION.md), `command` is only the agent's label.
 */
export type CommandView = Schemas["CommandView"];
export type CommandStatus = CommandView["status"];
export type CommandSession = Schemas["AgentSessionView"];
export type WhitelistSuggestion = Schemas["RuleSuggestionView"];
export type Decision = Schemas["Decision"];
export type CommandList = Schemas["CommandList"];
export type CommandListQuery = NonNullable<paths["/api/v1/commands"]["get"]["parameters"]["query"]>;
export type AuditTrail = Schemas["CommandTrail"];
export type ApproveRequest = Schemas["ApproveBody"];
export type DenyRequest = Schemas["DenyBody"];
/** Who may decide a command and how many approvals it needs. */
export type Requirement = Schemas["RequirementView"];
export type VoteMode = Schemas["Mode"];
export type Vote = Schemas["VoteView"];

// ---- approval policies, reviewers and agents ---------------------------------

export type ApprovalPolicyBody = Schemas["ApprovalPolicyBody"];
export type ApprovalPolicyView = Schemas["ApprovalPolicyView"];
export type ApprovalPolicyList = Schemas["ApprovalPolicyList"];
export type ReviewerView = Schemas["ReviewerView"];
export type AgentView = Schemas["AgentView"];

// ---- agent sessions ----------------------------------------------------------

export type AgentSessionDetail = Schemas["AgentSessionDetail"];
export type AgentSessionSummary = Schemas["AgentSessionSummary"];
export type AgentSessionList = Schemas["AgentSessionList"];
export type SessionCommand = Schemas["SessionCommandView"];

// ---- terminal recordings ------------------------------------------------------

export type RecordingSummary = Schemas["RecordingSummary"];
export type RecordingDetail = Schemas["RecordingDetail"];
/** A command boundary in a recording: where it started, the command, how it ended. */
export type RecordingMarker = Schemas["RecordingMarker"];
export type RecordingList = Schemas["RecordingList"];
export type RecordingListQuery = NonNullable<paths["/api/v1/recordings"]["get"]["parameters"]["query"]>;

// ---- audit chain and compliance reports ----------------------------------------

/** `POST /api/v1/audit/verify`: the walk over the organisation's audit hash chain. */
export type ChainVerification = Schemas["ChainVerificationView"];
/** Where the chain first does not hold. */
export type ChainBreak = NonNullable<ChainVerification["first_break"]>;
/** `GET /api/v1/reports/compliance?format=json`. */
export type ComplianceReport = Schemas["ComplianceReport"];

// ---- rule suggestions learnt from past decisions -----------------------------

/** A whitelist rule the server learnt from past decisions (not a card's own `suggestions`). */
export type SuggestedRule = Schemas["SuggestionView"];
export type SuggestionEvidence = Schemas["SuggestionEvidence"];

// ---- whitelist ---------------------------------------------------------------

export type RuleType = Schemas["RuleType"];
export type WhitelistRuleSpec = Schemas["WhitelistRuleSpec"];
export type WhitelistRuleCreate = Schemas["WhitelistRuleCreate"];
export type WhitelistRuleUpdate = Schemas["WhitelistRuleUpdate"];
export type WhitelistRuleView = Schemas["WhitelistRuleView"];
export type WhitelistRuleList = Schemas["WhitelistRuleList"];
export type PreviewRequest = Schemas["RulePreviewRequest"];
export type PreviewMatch = Schemas["PreviewMatch"];
export type PreviewResponse = Schemas["RulePreviewView"];

// ---- end-to-end encryption (docs/ENCRYPTION.md) ------------------------------

export type EncryptedEnvelope = Schemas["EncryptedEnvelope"];
export type EncryptedRecipient = Schemas["EncryptedRecipient"];
export type KeyView = Schemas["KeyView"];
export type KeyList = Schemas["KeyList"];
export type KeyCreate = Schemas["KeyCreate"];

// ---- error details (hand-written) --------------------------------------------
// openapi.yml declares `error.details` as a free-form object for every error;
// the per-code shapes below are the server's (expacti_server.errors and the
// code raising them). Read them with `ApiError.detailsAs`, which makes every
// field optional because a proxy or an older server may send less.

/** Details of a 409 `already_decided` (commands.service). */
export interface AlreadyDecidedDetails {
  command_id: string;
  decision: CommandStatus;
  reviewer: string | null;
  decided_at: string | null;
}

/** Details of a 409 `rule_matches_denied` (whitelist.preview). */
export interface RuleMatchesDeniedDetails {
  denied_matched: number;
  examples: { id: string; command: string }[];
  /** False when the server ran out of time before checking all history (fail closed). */
  complete?: boolean;
}

/** Details of a 403 `not_eligible` (commands.service): the least role that may decide, and yours. */
export interface NotEligibleDetails {
  needs: string;
  role: string;
}

/** Details of a 403 `separation_of_duties`: the agent this reviewer is linked to. */
export interface SeparationOfDutiesDetails {
  agent: string;
}

/** Details of a 403 `forbidden` raised for an auditor (role "auditor"). */
export interface ForbiddenDetails {
  role?: string;
}

/** Details of a 422 `policy_unsatisfiable` (approvals.service). */
export interface PolicyUnsatisfiableDetails {
  policy: string;
  required: number;
  eligible: number;
}

/** Details of a 422 `invalid_request` from request validation (api/errors.py), or naming one field. */
export interface InvalidRequestDetails {
  problems: { loc: string[]; message: string }[];
  field: string;
}

// ---- reviewer WebSocket frames (hand-written) --------------------------------
// OpenAPI describes HTTP operations only, so /api/v1/reviewer/ws has no schema
// to generate from; these mirror ws/reviewer.py and commands/reviewer_news.py.
// The command inside every frame is the generated `CommandView`.

export type ServerFrame =
  | { type: "snapshot"; server_time: string; commands: CommandView[] }
  | { type: "pending"; command: CommandView }
  | { type: "decided"; command: CommandView }
  /** Nobody decided in time: the command now waits for `tier` (and above), with a new deadline. */
  | { type: "escalated"; command: CommandView; tier: string }
  | { type: "pong" };

export type ClientFrame = { type: "ping" };
