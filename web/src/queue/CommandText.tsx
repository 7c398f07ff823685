import { useId, useMemo, useState } from "react";
import { clip, InertText } from "../ui/InertText";

/** Collapsed view limits: long commands would otherwise push every card off screen. */
const CLAMP_LINES = 6;
const CLAMP_CHARS = 600;

export function byteSize(text: string): number {
  return new TextEncoder().encode(text).length;
}

export function formatKiB(bytes: number): string {
  const kib = bytes / 1024;
  return kib < 10 ? `${kib.toFixed(1)} KiB` : `${Math.round(kib)} KiB`;
}

/** Where to cut for the collapsed view, or null when the whole text fits. */
export function clampPoint(text: string): number | null {
  let lines = 0;
  for (let i = 0; i < text.length && i < CLAMP_CHARS; i++) {
    if (text[i] === "\n" && ++lines >= CLAMP_LINES) return i;
  }
  return text.length > CLAMP_CHARS ? CLAMP_CHARS : null;
}

/** A command as a block of inert text (ui/InertText); long ones collapsed behind a toggle. */
export function CommandText({ text, className }: { text: string; className?: string }) {
  const [expanded, setExpanded] = useState(false);
  const id = useId();
  const cut = useMemo(() => clampPoint(text), [text]);
  const collapsed = cut !== null && !expanded;
  const shown = cut !== null && !expanded ? clip(text, cut).text : text;

  return (
    <div className={className}>
      <pre id={id} className={collapsed ? "cmdtext cmdtext--clamped" : "cmdtext"}>
        <code>
          <InertText text={shown} />
          {collapsed && <span className="cmdtext__more" aria-hidden="true">…</span>}
        </code>
      </pre>
      {cut !== null && (
        <button
          type="button"
          className="btn btn--ghost btn--small cmdtext__toggle"
          aria-expanded={expanded}
          aria-controls={id}
          onClick={() => setExpanded((v) => !v)}
        >
          {expanded ? "Show less" : `Show all (${formatKiB(byteSize(text))})`}
        </button>
      )}
    </div>
  );
}
