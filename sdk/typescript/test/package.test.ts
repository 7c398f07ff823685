/**
 * The built package as users get it (run `npm run build` first): `require("expacti")` from
 * dist/cjs and `import("expacti")` from dist/esm, the same public API in both, with type
 * declarations, and errors that are real subclasses in each.
 */

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { beforeAll, describe, expect, it } from "vitest";

import * as sdk from "../src/index.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PACKAGE = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

/** The public API, pinned: a change here is a change of the package's interface. */
const EXPORTS = [
  "CommandAbortedError",
  "CommandDeniedError",
  "CommandTimeoutError",
  "ExpactiAuthenticationError",
  "ExpactiClient",
  "ExpactiConnectionError",
  "ExpactiError",
  "ExpactiProtocolError",
  "Session",
  "VERSION",
];

/** Loaded by package name from inside the package, as a user's code would load it. */
const PROBE = `
  const names = Object.keys(sdk).sort();
  const decision = { decision: "denied", commandId: "cmd_1", command: "ls", reviewer: "bob", notes: "no" };
  const denied = new sdk.CommandDeniedError(decision);
  const auth = new sdk.ExpactiAuthenticationError("refused", 401);
  const client = new sdk.ExpactiClient({ url: "ws://127.0.0.1:1/shell/ws", token: "t" });
  console.log(JSON.stringify({
    names,
    version: sdk.VERSION,
    denied: [denied instanceof sdk.CommandDeniedError, denied instanceof sdk.ExpactiError, denied instanceof Error, denied.name, denied.reviewer],
    auth: [auth instanceof sdk.ExpactiConnectionError, auth instanceof sdk.ExpactiError, auth.name, auth.statusCode],
    client: client instanceof sdk.ExpactiClient,
  }));
`;

function probe(format: "commonjs" | "module"): any {
  const code =
    format === "commonjs"
      ? `const sdk = require("expacti");\n${PROBE}`
      : `const sdk = await import("expacti");\n${PROBE}`;
  const out = execFileSync(process.execPath, [`--input-type=${format}`, "-e", code], { cwd: ROOT, encoding: "utf8" });
  return JSON.parse(out);
}

const expected = {
  names: EXPORTS,
  version: PACKAGE.version,
  denied: [true, true, true, "CommandDeniedError", "bob"],
  auth: [true, true, "ExpactiAuthenticationError", 401],
  client: true,
};

describe("the built package", () => {
  beforeAll(() => {
    for (const file of ["dist/esm/index.js", "dist/cjs/index.js"]) {
      if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run \`npm run build\` before \`npm test\``);
    }
  });

  it("is required as CommonJS from dist/cjs", () => {
    expect(probe("commonjs")).toEqual(expected);
  });

  it("is imported as ESM from dist/esm", () => {
    expect(probe("module")).toEqual(expected);
  });

  it("ships type declarations for both, and marks dist/cjs as CommonJS", () => {
    for (const format of ["esm", "cjs"]) {
      expect(existsSync(join(ROOT, "dist", format, "index.d.ts"))).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(ROOT, "dist/cjs/package.json"), "utf8"))).toEqual({ type: "commonjs" });
    expect(PACKAGE.exports["."]).toEqual({
      import: { types: "./dist/esm/index.d.ts", default: "./dist/esm/index.js" },
      require: { types: "./dist/cjs/index.d.ts", default: "./dist/cjs/index.js" },
    });
    expect(Object.keys(PACKAGE.exports).sort()).toEqual([".", "./package.json", "./vercel-ai"]);
  });
});

describe("the source", () => {
  it("exports exactly the pinned API, at package.json's version", () => {
    expect(Object.keys(sdk).sort()).toEqual(EXPORTS);
    expect(sdk.VERSION).toBe(PACKAGE.version);
  });

  it("has one error tree, every class named after itself (AbortError aside)", () => {
    const decision = { decision: "cancelled", commandId: "c", command: "ls", reviewer: null, notes: null };
    const errors: Array<[Error, string]> = [
      [new sdk.CommandDeniedError(decision as unknown as sdk.Decision), "command cancelled (c)"],
      [new sdk.CommandTimeoutError("ls"), "no decision before the client's deadline; the command was cancelled"],
      [new sdk.CommandAbortedError("ls", "stop"), "the wait was aborted; the command was cancelled"],
      [new sdk.ExpactiConnectionError("client closed"), "client closed"],
      [new sdk.ExpactiAuthenticationError("refused", 403), "refused"],
      [new sdk.ExpactiProtocolError("bad", { code: "invalid_frame" }), "bad"],
    ];
    for (const [error, message] of errors) {
      expect(error).toBeInstanceOf(sdk.ExpactiError);
      expect(error.message).toBe(message);
      expect(error.name).toBe(error instanceof sdk.CommandAbortedError ? "AbortError" : error.constructor.name);
    }
  });
});
