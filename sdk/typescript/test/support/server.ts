/**
 * The real expacti server for the tests, and what a reviewer does to it.
 *
 * `vitest.config.ts` starts one server for the whole run (`test/support/global-setup.ts`)
 * and hands its address and an organisation's tokens to every test file: `serverInfo()`.
 * A test that must stop or restart a server starts its own with `ServerProcess.start()`.
 * The helpers act as the organisation's reviewer over the HTTP API, never on the database.
 */

import { randomBytes } from "node:crypto";

import { inject } from "vitest";

import type { ServerInfo } from "./process.js";

export { ServerProcess, freePort, pythonPath } from "./process.js";
export type { ServerInfo } from "./process.js";

declare module "vitest" {
  export interface ProvidedContext {
    expacti: ServerInfo;
  }
}

/** The shared server of this test run, started by the global setup. */
export function serverInfo(): ServerInfo {
  return inject("expacti");
}

/** A command line no other test submits: `text` plus a unique shell comment. */
export function uniqueCommand(text: string): string {
  return `${text} # t-${randomBytes(5).toString("hex")}`;
}

/** A reviewer's HTTP call; resolves with the parsed JSON body, rejects on a non-2xx status. */
export async function reviewer(
  method: "GET" | "POST" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
  info: ServerInfo = serverInfo(),
): Promise<any> {
  const response = await fetch(`${info.httpUrl}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${info.reviewerToken}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return text === "" ? null : JSON.parse(text);
}

/** The command's view (`GET /api/v1/commands/{id}`): `status`, `decision`, `recording_id`… */
export function getCommand(commandId: string, info: ServerInfo = serverInfo()): Promise<any> {
  return reviewer("GET", `/api/v1/commands/${commandId}`, undefined, info);
}

/** The commands whose text is exactly `command`, newest first (any status). */
export async function findCommands(command: string, info: ServerInfo = serverInfo()): Promise<any[]> {
  const query = new URLSearchParams({ q: command, limit: "500" });
  const page = await reviewer("GET", `/api/v1/commands?${query}`, undefined, info);
  return (page.items as any[]).filter((item) => item.command === command);
}

/** Wait until `command` is pending for the reviewer; its command id. */
export async function pendingId(command: string, info: ServerInfo = serverInfo()): Promise<string> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const query = new URLSearchParams({ status: "pending", q: command, limit: "500" });
    const page = await reviewer("GET", `/api/v1/commands?${query}`, undefined, info);
    const found = (page.items as any[]).find((item) => item.command === command);
    if (found !== undefined) return String(found.id);
    await sleep(20);
  }
  throw new Error(`${JSON.stringify(command)} never became pending`);
}

/** Wait until the command's status is `status` (it is decided in the background). */
export async function waitForStatus(
  commandId: string,
  status: string,
  info: ServerInfo = serverInfo(),
): Promise<any> {
  let view: any = null;
  for (let attempt = 0; attempt < 1000; attempt++) {
    view = await getCommand(commandId, info);
    if (view.status === status) return view;
    await sleep(20);
  }
  throw new Error(`command ${commandId} is ${view?.status}, never ${status}`);
}

/** Approve, optionally with a note or an edited command text. */
export function approve(
  commandId: string,
  options: { note?: string; command?: string } = {},
  info: ServerInfo = serverInfo(),
): Promise<any> {
  return reviewer("POST", `/api/v1/commands/${commandId}/approve`, options, info);
}

/** Deny, optionally with a note (the reason the agent gets). */
export function deny(commandId: string, note?: string, info: ServerInfo = serverInfo()): Promise<any> {
  return reviewer("POST", `/api/v1/commands/${commandId}/deny`, note === undefined ? {} : { note }, info);
}

/** Whitelist `pattern` (an exact command by default) for the organisation. */
export function whitelist(
  pattern: string,
  type: "exact" | "glob" | "regex" = "exact",
  info: ServerInfo = serverInfo(),
): Promise<any> {
  return reviewer("POST", "/api/v1/whitelist", { pattern, type }, info);
}

/** Wait until `command` is pending, then approve it; its command id. */
export async function approveWhenPending(
  command: string,
  options: { note?: string; command?: string } = {},
  info: ServerInfo = serverInfo(),
): Promise<string> {
  const commandId = await pendingId(command, info);
  await approve(commandId, options, info);
  return commandId;
}

/** Wait until `command` is pending, then deny it; its command id. */
export async function denyWhenPending(
  command: string,
  note?: string,
  info: ServerInfo = serverInfo(),
): Promise<string> {
  const commandId = await pendingId(command, info);
  await deny(commandId, note, info);
  return commandId;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}

/** Resolve once `condition()` holds (checked every 10 ms); the test's timeout bounds it. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(10);
}

/**
 * The error `promise` rejects with; fails the test if it resolves. Call it at once on a
 * pending call (before awaiting anything else), so the rejection is handled when it comes.
 */
export function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}
