/**
 * The built package's type declarations as a TypeScript user gets them (run `npm run
 * build` first): a project outside this one imports `expacti` and `expacti/vercel-ai`
 * under each module resolution people use, without `skipLibCheck`, and `tsc` finds
 * nothing wrong in them. Errors inside other packages' declarations (`zod`, `ai`'s own
 * dependencies) are theirs, and not counted.
 */

import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const TSC = join(ROOT, "node_modules", ".bin", "tsc");

const USE = `
import { CommandAbortedError, ExpactiClient, type ExecutionResult } from "expacti";
import { AGENT_CREDENTIALS, expactiTool, expactiToolApproval, type ExpactiToolResult } from "expacti/vercel-ai";

const client = new ExpactiClient({ url: "ws://127.0.0.1:1/shell/ws", token: "t" });
export const shell = expactiTool({ client, env: { PATH: "/bin" } });
export const approval = expactiToolApproval({ client });
export const hidden: readonly string[] = AGENT_CREDENTIALS;
export function ran(result: ExpactiToolResult, error: CommandAbortedError): boolean {
  const partial: ExecutionResult | null = error.result;
  return result.ran || (error.ran && partial !== null);
}
`;

/** [name, package.json "type", compilerOptions] of each way a project resolves modules. */
const SETUPS: Array<[string, "commonjs" | "module", Record<string, string>]> = [
  ["node16, CommonJS", "commonjs", { module: "node16", moduleResolution: "node16" }],
  ["nodenext, ESM", "module", { module: "nodenext", moduleResolution: "nodenext" }],
  ["bundler", "module", { module: "esnext", moduleResolution: "bundler" }],
  ["node10", "commonjs", { module: "commonjs", moduleResolution: "node10" }],
];

let base: string;
/** Each setup's errors in our files, all checked at once. */
let checked: Map<string, string[]>;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), "expacti-consumer-"));
  mkdirSync(join(base, "node_modules"));
  symlinkSync(ROOT, join(base, "node_modules", "expacti"), "dir");
  // A Node project has @types/node; the SDK's types mention Node's.
  symlinkSync(join(ROOT, "node_modules", "@types"), join(base, "node_modules", "@types"), "dir");
  const results = await Promise.all(SETUPS.map(([name, type, options]) => typeCheck(name, type, options)));
  checked = new Map(SETUPS.map(([name], index) => [name, results[index]!]));
});

afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

/** `tsc --noEmit` on a project set up as `setup` says; the errors in our files. */
function typeCheck(name: string, type: string, options: Record<string, string>): Promise<string[]> {
  const dir = join(base, name.replace(/\W+/g, "-"));
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type }));
  const compilerOptions = { ...options, strict: true, noEmit: true, target: "ES2022", types: ["node"] };
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["use.ts"] }));
  writeFileSync(join(dir, "use.ts"), USE);
  return new Promise((done, fail) => {
    execFile(TSC, ["-p", dir], { cwd: base }, (error, stdout) => {
      if (error !== null && typeof error.code !== "number") {
        fail(error);
        return;
      }
      const ours = stdout
        .split("\n")
        .filter((line) => /^\S.*\(\d+,\d+\): error TS\d+/.test(line))
        .filter((line) => {
          const file = resolve(base, line.slice(0, line.indexOf("(")));
          return file.startsWith(join(ROOT, "dist")) || file.startsWith(dir);
        });
      done(ours);
    });
  });
}

describe("the package's types, used from another project", () => {
  it.each(SETUPS.map(([name]) => name))("check clean under %s resolution", (name) => {
    expect(checked.get(name)).toEqual([]);
  });
});
