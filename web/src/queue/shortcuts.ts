/** The queue's one-key shortcuts, as a pure mapping from a key event. */
export type QueueShortcut = "approve" | "deny" | "whitelist" | "edit" | "next" | "previous" | "open" | "help";

export interface KeyInput {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  target: EventTarget | null;
}

const KEYS: Record<string, QueueShortcut> = {
  a: "approve",
  d: "deny",
  w: "whitelist",
  e: "edit",
  j: "next",
  k: "previous",
  Enter: "open",
  "?": "help",
};

/** True while the user is typing: shortcuts must not steal their letters. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    return !["checkbox", "radio", "button", "submit", "reset", "range", "color"].includes(target.type);
  }
  return false;
}

/**
 * The shortcut for a key press, or null. While any modal is open its keys
 * belong to it (the shortcuts dialog closes itself on `?` and Escape).
 */
export function shortcutFor(event: KeyInput, dialogOpen: boolean): QueueShortcut | null {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  if (isTypingTarget(event.target)) return null;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  const shortcut = KEYS[key];
  if (!shortcut || dialogOpen) return null;
  // Enter on a button or link must keep its native meaning.
  if (shortcut === "open" && event.target instanceof HTMLElement && event.target.closest("button, a, summary")) {
    return null;
  }
  return shortcut;
}
