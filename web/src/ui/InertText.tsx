import { useMemo } from "react";
import { inertText, standIn, type TextSegment } from "./inertText";

/**
 * Cut to at most `max` UTF-16 units without leaving half a surrogate pair,
 * which would render as a replacement character.
 */
export function clip(text: string, max: number): { text: string; clipped: boolean } {
  if (text.length <= max) return { text, clipped: false };
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return { text: text.slice(0, end), clipped: true };
}

const LINE_BREAK_TITLE: Record<string, string> = { "\n": "newline \\x0a", "\t": "tab \\x09" };

/** In a one-line preview a newline would silently become a space; show it instead. */
function breakLines(segments: TextSegment[]): TextSegment[] {
  return segments.flatMap((seg) => {
    if (seg.inert || !/[\n\t]/.test(seg.text)) return [seg];
    return seg.text
      .split(/([\n\t])/)
      .filter((piece) => piece !== "")
      .map((piece) =>
        piece === "\n" || piece === "\t"
          ? { text: standIn(piece.charCodeAt(0)), inert: true, title: LINE_BREAK_TITLE[piece] }
          : { text: piece, inert: false },
      );
  });
}

interface InertTextProps {
  text: string;
  /** Show newlines and tabs as stand-ins too, for one-line previews. */
  singleLine?: boolean;
  /** Longest prefix to render; a preview of a 64 KiB command only needs a screenful. */
  max?: number;
}

/**
 * Untrusted text (commands, patterns, notes, context) as plain characters,
 * with invisible ones drawn as visible stand-ins (src/ui/inertText.ts).
 */
export function InertText({ text, singleLine = false, max }: InertTextProps) {
  const shown = max === undefined ? { text, clipped: false } : clip(text, max);
  const segments = useMemo(() => {
    const base = inertText(shown.text);
    return singleLine ? breakLines(base) : base;
  }, [shown.text, singleLine]);
  return (
    <>
      {segments.map((seg, i) =>
        seg.inert ? (
          <span key={i} className="inert" title={seg.title}>
            {seg.text}
          </span>
        ) : (
          seg.text
        ),
      )}
      {shown.clipped && <span aria-label="(truncated)">…</span>}
    </>
  );
}
