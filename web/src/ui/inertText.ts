/**
 * Make untrusted command text safe to *look at*. React already makes it safe to
 * render (text nodes, never HTML); this makes invisible characters visible so a
 * reviewer cannot be fooled by terminal escapes, carriage-return overwrites,
 * bidi overrides or zero-width characters hiding part of a command.
 */

export interface TextSegment {
  text: string;
  /** True for a stand-in of a control character; render it distinctly. */
  inert: boolean;
  /** What the stand-in means, for a tooltip / screen readers. */
  title?: string;
}

const NAMES: Record<number, string> = {
  0x00: "NUL",
  0x07: "BEL (bell)",
  0x08: "BS (backspace)",
  0x0d: "CR (carriage return)",
  0x1b: "ESC (terminal escape)",
  0x7f: "DEL",
  0x200b: "zero-width space",
  0x200c: "zero-width non-joiner",
  0x200d: "zero-width joiner",
  0x200e: "left-to-right mark",
  0x200f: "right-to-left mark",
  0x2028: "line separator",
  0x2029: "paragraph separator",
  0x202a: "left-to-right embedding",
  0x202b: "right-to-left embedding",
  0x202c: "pop directional formatting",
  0x202d: "left-to-right override",
  0x202e: "right-to-left override",
  0x2066: "left-to-right isolate",
  0x2067: "right-to-left isolate",
  0x2068: "first strong isolate",
  0x2069: "pop directional isolate",
  0xfeff: "zero-width no-break space",
};

/** Newline and tab are shown as themselves: the card wraps with pre-wrap. */
function isSuspicious(code: number): boolean {
  if (code === 0x0a || code === 0x09) return false;
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0xfeff
  );
}

function hex(code: number): string {
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

const SHORT_ESCAPES: Record<number, string> = { 0x00: "\\0", 0x07: "\\a", 0x08: "\\b", 0x0b: "\\v", 0x0c: "\\f", 0x0d: "\\r" };

/**
 * The visible stand-in for one suspicious character: a C-style escape in plain
 * ASCII. (Unicode "control pictures" such as ␛ were tried first; many system
 * monospace fonts lack them and render an empty box, which hides the very
 * thing we want to show.)
 */
export function standIn(code: number): string {
  return SHORT_ESCAPES[code] ?? hex(code);
}

export function inertText(input: string): TextSegment[] {
  const segments: TextSegment[] = [];
  let plain = "";
  for (const ch of input) {
    const code = ch.codePointAt(0) ?? 0;
    if (!isSuspicious(code)) {
      plain += ch;
      continue;
    }
    if (plain) segments.push({ text: plain, inert: false });
    plain = "";
    segments.push({ text: standIn(code), inert: true, title: `${NAMES[code] ?? "control character"} ${hex(code)}` });
  }
  if (plain) segments.push({ text: plain, inert: false });
  return segments;
}

/** One-line plain rendering: for accessible names, titles and notifications. */
export function inertPlain(input: string): string {
  return inertText(input)
    .map((s) => s.text)
    .join("");
}

export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}
