/**
 * `expacti/vercel-ai` as users get it (run `npm run build` first): its pinned API, and the
 * built module loaded by package name with `require()` and `import()`. `ai` is ESM only,
 * so the CommonJS build works only where Node can `require()` an ES module (20.19 and on).
 */

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { beforeAll, describe, expect, it } from "vitest";

import * as vercelAi from "../src/vercel-ai.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The module's runtime API, pinned: a change here is a change of the package's interface. */
const EXPORTS = [
  "AGENT_CREDENTIALS",
  "DEFAULT_MAX_OUTPUT_CHARS",
  "DEFAULT_TOOL_DESCRIPTION",
  "describeToolCall",
  "expactiTool",
  "expactiToolApproval",
  "normalizeShellInput",
];

/** Makes the tool and the hook from the built files; the hook must recognise the tool. */
const PROBE = `
  const client = new sdk.ExpactiClient({ url: "ws://127.0.0.1:1/shell/ws", token: "t" });
  const shell = vercelAi.expactiTool({ client });
  const approval = await vercelAi.expactiToolApproval({ client })({
    toolCall: { toolCallId: "c", toolName: "shell", input: { command: "ls" } },
    tools: { shell },
  });
  await client.close();
  console.log(JSON.stringify({
    names: Object.keys(vercelAi).sort(),
    tool: [typeof shell.execute, typeof shell.toModelOutput, typeof shell.description],
    approval,
  }));
`;

function probe(format: "commonjs" | "module"): unknown {
  const load =
    format === "commonjs"
      ? `const sdk = require("expacti"); const vercelAi = require("expacti/vercel-ai");\n(async () => {${PROBE}})();`
      : `const sdk = await import("expacti"); const vercelAi = await import("expacti/vercel-ai");\n${PROBE}`;
  const out = execFileSync(process.execPath, [`--input-type=${format}`, "-e", load], { cwd: ROOT, encoding: "utf8" });
  return JSON.parse(out);
}

const expected = {
  names: EXPORTS,
  tool: ["function", "function", "string"],
  approval: "not-applicable",
};

describe("expacti/vercel-ai", () => {
  it("exports exactly the pinned API", () => {
    expect(Object.keys(vercelAi).sort()).toEqual(EXPORTS);
  });

  describe("built", () => {
    beforeAll(() => {
      for (const file of ["dist/esm/vercel-ai.js", "dist/cjs/vercel-ai.js"]) {
        if (!existsSync(join(ROOT, file))) {
          throw new Error(`${file} is missing: run \`npm run build\` before \`npm test\``);
        }
      }
    });

    it("is required as CommonJS, loading the ESM-only `ai`", () => {
      expect(probe("commonjs")).toEqual(expected);
    });

    it("is imported as ESM", () => {
      expect(probe("module")).toEqual(expected);
    });

    it("ships type declarations for both", () => {
      for (const format of ["esm", "cjs"]) {
        expect(existsSync(join(ROOT, "dist", format, "vercel-ai.d.ts"))).toBe(true);
      }
    });
  });
});
