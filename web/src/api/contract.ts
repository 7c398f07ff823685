/**
 * Types for the parts of docs/WEB_API_CONTRACT.md that docs/openapi.yml does not
 * describe yet (the server side lands them one by one).
 *
 * `Paths` below merges these with the generated `paths`: an endpoint listed in
 * `Pending` is used only while the generated schema lacks it, so the generated
 * types win automatically as soon as `npm run gen` sees the endpoint. An
 * endpoint in `Ahead` is one the generated schema has in an older shape (for
 * example without `confirm_denied_matches`); delete it from `Ahead` once
 * openapi.yml catches up.
 */
import type { components, paths } from "./schema";

type Schemas = components["schemas"];

export type RuleType = "exact" | "glob" | "regex";
export type CommandStatus = "pending" | "approved" | "denied" | "timed_out" | "cancelled";
export type Decision = Schemas["Decision"];
export type OrgView = Schemas["OrgView"];
export type AuditEventView = Schemas["AuditEventView"];
export type ErrorResponse = Schemas["ErrorResponse"];

export interface WhitelistSuggestion {
  type: RuleType;
  pattern: string;
  scope: string;
  reason: string;
}

export interface CommandSession {
  id: string;
  goal?: string;
  steps?: string[];
  current_step?: number;
}

/** An end-to-end encrypted command's envelope (docs/ENCRYPTION.md). */
export type EncryptedEnvelope = Schemas["EncryptedEnvelope"];
export type EncryptedRecipient = Schemas["EncryptedRecipient"];
export type KeyView = Schemas["KeyView"];
export type KeyList = Schemas["KeyList"];
export type KeyCreate = Schemas["KeyCreate"];

/**
 * A command as REST and the reviewer WebSocket send it. `suggestions` is
 * optional because older servers may not send it. `encrypted` is the generated
 * envelope (or null): when set, `command` is only the agent's label.
 */
export type CommandView = Omit<Schemas["CommandView"], "session" | "status"> & {
  status: CommandStatus;
  session: CommandSession | null;
  suggestions?: WhitelistSuggestion[];
};

export interface WhitelistRuleSpec {
  pattern?: string | null;
  type: RuleType;
  scope: string;
  ttl_seconds?: number | null;
}

export interface WhitelistRuleCreate extends WhitelistRuleSpec {
  pattern: string;
  confirm_denied_matches?: boolean;
}

export type WhitelistRuleView = Schemas["WhitelistRuleView"] & {
  created_from_command?: string | null;
};

export interface ApproveRequest {
  note?: string | null;
  whitelist?: WhitelistRuleSpec | null;
  confirm_denied_matches?: boolean;
}

export interface DenyRequest {
  note?: string | null;
}

export interface SessionView {
  reviewer: { id: string; name: string };
  org: OrgView;
  expires_at: string;
}

export interface PreviewRequest {
  pattern: string;
  type: RuleType;
  scope: string;
  /** Leave this command out of the matches (the one being approved). */
  exclude_command_id?: string | null;
}

export interface PreviewMatch {
  id: string;
  command: string;
  target: string | null;
  agent: string;
  /** A CommandStatus; typed loosely because openapi.yml declares it as a plain string. */
  status: string;
  created_at: string;
}

export interface PreviewResponse {
  matched: number;
  denied_matched: number;
  scanned: number;
  truncated: boolean;
  matches: PreviewMatch[];
}

export interface CommandListQuery {
  status?: CommandStatus;
  agent?: string;
  target?: string;
  reviewer?: string;
  since?: string;
  until?: string;
  via?: "whitelist" | "manual" | "system";
  q?: string;
  before?: string;
  limit?: number;
}

export interface CommandList {
  items: CommandView[];
  next_before: string | null;
}

export interface AuditTrail {
  items: AuditEventView[];
  latency_ms: number | null;
}

/** Details of a 409 `already_decided`. */
export interface AlreadyDecidedDetails {
  command_id: string;
  decision: string;
  reviewer: string | null;
  decided_at: string;
}

/** Details of a 409 `rule_matches_denied`. */
export interface RuleMatchesDeniedDetails {
  denied_matched: number;
  examples: { id: string; command: string }[];
}

// ---- reviewer WebSocket frames -------------------------------------------------

export type ServerFrame =
  | { type: "snapshot"; server_time: string; commands: CommandView[] }
  | { type: "pending"; command: CommandView }
  | { type: "decided"; command: CommandView }
  | { type: "pong" };

export type ClientFrame = { type: "ping" };

// ---- openapi-fetch path shapes -------------------------------------------------

type Json<T> = { headers: { [name: string]: unknown }; content: { "application/json": T } };
type NoContent = { headers: { [name: string]: unknown }; content?: never };
type Errors = {
  400: Json<ErrorResponse>;
  401: Json<ErrorResponse>;
  403: Json<ErrorResponse>;
  404: Json<ErrorResponse>;
  409: Json<ErrorResponse>;
  422: Json<ErrorResponse>;
};
type NoParams = { query?: never; header?: never; path?: never; cookie?: never };
type Op<P, Body, Responses> = {
  parameters: P;
  responses: Responses & Errors;
} & ([Body] extends [never] ? { requestBody?: never } : { requestBody: { content: { "application/json": Body } } });
type EmptyItem = {
  parameters: NoParams;
  get?: never;
  put?: never;
  post?: never;
  delete?: never;
  options?: never;
  head?: never;
  patch?: never;
  trace?: never;
};
type Item<M> = Omit<EmptyItem, keyof M> & M;
type CommandPath = { query?: never; header?: never; path: { command_id: string }; cookie?: never };

/** Endpoints the contract promises and openapi.yml may not list yet. */
interface Pending {
  "/api/v1/session": Item<{
    get: Op<NoParams, never, { 200: Json<SessionView> }>;
    post: Op<NoParams, { token: string }, { 200: Json<SessionView> }>;
    delete: Op<NoParams, never, { 204: NoContent }>;
  }>;
  "/api/v1/whitelist/preview": Item<{
    post: Op<NoParams, PreviewRequest, { 200: Json<PreviewResponse> }>;
  }>;
  "/api/v1/commands/{command_id}/audit": Item<{
    get: Op<CommandPath, never, { 200: Json<AuditTrail> }>;
  }>;
}

/** Endpoints openapi.yml lists in an older shape than the contract. */
interface Ahead {
  "/api/v1/commands": Item<{
    get: Op<{ query?: CommandListQuery; header?: never; path?: never; cookie?: never }, never, { 200: Json<CommandList> }>;
  }>;
  "/api/v1/commands/{command_id}": Item<{
    get: Op<
      { query?: { wait?: number }; header?: never; path: { command_id: string }; cookie?: never },
      never,
      { 200: Json<CommandView> }
    >;
  }>;
  "/api/v1/commands/{command_id}/approve": Item<{
    post: Op<CommandPath, ApproveRequest, { 200: Json<CommandView> }>;
  }>;
  "/api/v1/commands/{command_id}/deny": Item<{
    post: Op<CommandPath, DenyRequest, { 200: Json<CommandView> }>;
  }>;
  "/api/v1/whitelist": Item<{
    get: Op<
      { query?: { q?: string; limit?: number }; header?: never; path?: never; cookie?: never },
      never,
      { 200: Json<{ items: WhitelistRuleView[] }> }
    >;
    post: Op<NoParams, WhitelistRuleCreate, { 201: Json<WhitelistRuleView>; 200: Json<WhitelistRuleView> }>;
  }>;
}

/** What the typed client is built on: generated paths, corrected by the contract. */
export type Paths = Omit<paths, keyof Ahead> & Ahead & Omit<Pending, keyof paths>;
