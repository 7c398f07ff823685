import { describe, expect, it } from "vitest";
import { shortcutFor } from "./shortcuts";

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  document.body.append(node);
  return node;
}

describe("shortcutFor", () => {
  const body = () => document.body;

  it("maps the queue keys, case-insensitively", () => {
    expect(shortcutFor({ key: "a", target: body() }, false)).toBe("approve");
    expect(shortcutFor({ key: "A", target: body() }, false)).toBe("approve");
    expect(shortcutFor({ key: "d", target: body() }, false)).toBe("deny");
    expect(shortcutFor({ key: "w", target: body() }, false)).toBe("whitelist");
    expect(shortcutFor({ key: "j", target: body() }, false)).toBe("next");
    expect(shortcutFor({ key: "k", target: body() }, false)).toBe("previous");
    expect(shortcutFor({ key: "Enter", target: el("article") }, false)).toBe("open");
    expect(shortcutFor({ key: "?", target: body() }, false)).toBe("help");
  });

  it("ignores keys typed into inputs, textareas, selects and editable content", () => {
    expect(shortcutFor({ key: "a", target: el("input") }, false)).toBeNull();
    expect(shortcutFor({ key: "d", target: el("input", { type: "password" }) }, false)).toBeNull();
    expect(shortcutFor({ key: "a", target: el("textarea") }, false)).toBeNull();
    expect(shortcutFor({ key: "j", target: el("select") }, false)).toBeNull();
    const editable = el("div");
    editable.contentEditable = "true";
    // jsdom does not compute isContentEditable; emulate what browsers report.
    Object.defineProperty(editable, "isContentEditable", { value: true });
    expect(shortcutFor({ key: "a", target: editable }, false)).toBeNull();
  });

  it("still works from a focused checkbox", () => {
    expect(shortcutFor({ key: "j", target: el("input", { type: "checkbox" }) }, false)).toBe("next");
  });

  it("ignores everything while a dialog is open", () => {
    expect(shortcutFor({ key: "a", target: body() }, true)).toBeNull();
    expect(shortcutFor({ key: "?", target: body() }, true)).toBeNull();
  });

  it("leaves browser and OS shortcuts alone", () => {
    expect(shortcutFor({ key: "a", ctrlKey: true, target: body() }, false)).toBeNull();
    expect(shortcutFor({ key: "d", metaKey: true, target: body() }, false)).toBeNull();
    expect(shortcutFor({ key: "w", altKey: true, target: body() }, false)).toBeNull();
  });

  it("keeps Enter's native meaning on buttons and links", () => {
    expect(shortcutFor({ key: "Enter", target: el("button") }, false)).toBeNull();
    expect(shortcutFor({ key: "Enter", target: el("a", { href: "#" }) }, false)).toBeNull();
  });

  it("ignores unrelated keys", () => {
    expect(shortcutFor({ key: "x", target: body() }, false)).toBeNull();
    expect(shortcutFor({ key: "Escape", target: body() }, false)).toBeNull();
  });
});
