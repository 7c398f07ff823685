import { describe, expect, it } from "vitest";
import { inertPlain, inertText, truncate } from "./inertText";

describe("inertText", () => {
  it("leaves ordinary text, newlines and tabs alone", () => {
    expect(inertText("ls -la\n\tcat x")).toEqual([{ text: "ls -la\n\tcat x", inert: false }]);
  });

  it("replaces ESC with a visible stand-in segment", () => {
    const segs = inertText("echo \u001b[31mred\u001b[0m");
    expect(segs.map((s) => s.text).join("")).toBe("echo \\x1b[31mred\\x1b[0m");
    expect(segs.filter((s) => s.inert)).toHaveLength(2);
    expect(segs[1]).toMatchObject({ text: "\\x1b", inert: true });
    expect(segs[1]?.title).toContain("ESC");
  });

  it("shows carriage return, bell, NUL and DEL as C-style escapes", () => {
    expect(inertPlain("a\rb\u0007c\u0000d\u007f")).toBe("a\\rb\\ac\\0d\\x7f");
  });

  it("makes bidi overrides and zero-width characters visible", () => {
    expect(inertPlain("rm -rf /\u202etxt.exe")).toBe("rm -rf /\\u202etxt.exe");
    expect(inertPlain("r\u200bm")).toBe("r\\u200bm");
    expect(inertPlain("\ufeffls")).toBe("\\ufeffls");
  });

  it("shows C1 controls as hex", () => {
    expect(inertPlain("a\u009bb")).toBe("a\\x9bb");
  });

  it("keeps astral characters intact", () => {
    expect(inertPlain("echo 🚀")).toBe("echo 🚀");
  });

  it("returns nothing for empty input", () => {
    expect(inertText("")).toEqual([]);
  });
});

describe("truncate", () => {
  it("keeps short text and cuts long text with an ellipsis", () => {
    expect(truncate("abc", 5)).toBe("abc");
    expect(truncate("abcdef", 5)).toBe("abcd…");
    expect(Array.from(truncate("x".repeat(500), 120))).toHaveLength(120);
  });
});
