import { describe, expect, it } from "vitest";
import { diffWords, side } from "./editDiff";

describe("diffWords", () => {
  it("marks only the words that changed", () => {
    expect(diffWords("rm -rf /var/cache/app", "rm -r /var/cache/app")).toEqual([
      { kind: "same", text: "rm " },
      { kind: "removed", text: "-rf" },
      { kind: "added", text: "-r" },
      { kind: "same", text: " /var/cache/app" },
    ]);
  });

  it("handles additions at the end and identical texts", () => {
    expect(diffWords("kubectl get pods", "kubectl get pods -n web")).toEqual([
      { kind: "same", text: "kubectl get pods" },
      { kind: "added", text: " -n web" },
    ]);
    expect(diffWords("ls", "ls")).toEqual([{ kind: "same", text: "ls" }]);
    expect(diffWords("", "")).toEqual([]);
  });

  it("gives each side its own text back", () => {
    const ops = diffWords("a b c", "a x c d");
    expect(side(ops, "before").map((o) => o.text).join("")).toBe("a b c");
    expect(side(ops, "after").map((o) => o.text).join("")).toBe("a x c d");
  });

  it("falls back to the changed middle for huge texts without splitting surrogate pairs", () => {
    const big = "w ".repeat(600);
    const ops = diffWords(`${big}😀a`, `${big}😀b`);
    expect(side(ops, "before").map((o) => o.text).join("")).toBe(`${big}😀a`);
    expect(side(ops, "after").map((o) => o.text).join("")).toBe(`${big}😀b`);
    const changed = ops.filter((o) => o.kind !== "same").map((o) => o.text);
    expect(changed).toEqual(["a", "b"]);
  });
});
