import { describe, expect, it } from "vitest";
import { makeCommand, makeSuggestedRule } from "../test/factories";
import { coveredCount, globToRegExp } from "./relevance";

describe("globToRegExp", () => {
  it("reads *, ? and classes like the shell, and nothing else as special", () => {
    expect(globToRegExp("rm /tmp/build-*").test("rm /tmp/build-12")).toBe(true);
    expect(globToRegExp("rm /tmp/build-*").test("rm /tmp/build-1\nrm -rf /")).toBe(false);
    expect(globToRegExp("ls ?").test("ls a")).toBe(true);
    expect(globToRegExp("ls [a-c]").test("ls d")).toBe(false);
    expect(globToRegExp("ls [!a-c]").test("ls d")).toBe(true);
    expect(globToRegExp("a.b (c)").test("a.b (c)")).toBe(true);
    expect(globToRegExp("a.b").test("axb")).toBe(false);
  });
});

describe("coveredCount", () => {
  const queue = [
    makeCommand({ command: "rm /tmp/build-7", target: "ci" }),
    makeCommand({ command: "rm /tmp/build-8", target: "prod" }),
    makeCommand({ command: "ls", target: "ci" }),
    makeCommand({ command: "rm /tmp/build-9", target: "ci", encrypted: { alg: "x", iv: "", ciphertext: "", recipients: [] } }),
  ];

  it("counts waiting commands the rule would approve, within its scope", () => {
    expect(coveredCount(makeSuggestedRule({ pattern: "rm /tmp/build-*", type: "glob" }), queue)).toBe(2);
    expect(coveredCount(makeSuggestedRule({ pattern: "rm /tmp/build-*", type: "glob", scope: "target:ci" }), queue)).toBe(1);
    expect(coveredCount(makeSuggestedRule({ pattern: " ls ", type: "exact" }), queue)).toBe(1);
    expect(coveredCount(makeSuggestedRule({ pattern: "rm /tmp/build-[0-9]+", type: "regex" }), queue)).toBe(2);
  });

  it("has no opinion on a regex JavaScript cannot read", () => {
    expect(coveredCount(makeSuggestedRule({ pattern: "(?P<x>a", type: "regex" }), queue)).toBe(0);
  });

  it("covers a compound command only when every part matches", () => {
    const compound = makeCommand({ command: "ls && ls", parts: ["ls", "ls"] });
    const mixed = makeCommand({ command: "ls && rm x", parts: ["ls", "rm x"] });
    expect(coveredCount(makeSuggestedRule({ pattern: "ls", type: "exact" }), [compound, mixed])).toBe(1);
  });
});
