/**
 * A word-level before/after of an edited command, so a reviewer sees exactly
 * what their edit changes. Words and the whitespace between them are compared
 * as tokens (longest common subsequence); very long texts fall back to the
 * changed middle between a common prefix and suffix.
 */
export type DiffOp = { kind: "same" | "removed" | "added"; text: string };

/** Above this many token pairs the table would be too big: use prefix/suffix instead. */
const MAX_CELLS = 250_000;

function tokens(text: string): string[] {
  return text.split(/(\s+)/).filter((t) => t !== "");
}

function merge(ops: DiffOp[]): DiffOp[] {
  const out: DiffOp[] = [];
  for (const op of ops) {
    const last = out[out.length - 1];
    if (last && last.kind === op.kind) last.text += op.text;
    else if (op.text) out.push({ ...op });
  }
  return out;
}

/** Split at `at` without cutting a surrogate pair in two. */
function safeEnd(text: string, at: number): number {
  const code = text.charCodeAt(at - 1);
  return at > 0 && code >= 0xd800 && code <= 0xdbff ? at - 1 : at;
}

function middleDiff(before: string, after: string): DiffOp[] {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before[start] === after[start]) start++;
  start = safeEnd(before, start);
  let end = 0;
  while (end < max - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  const lowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;
  if (end > 0 && lowSurrogate(before.charCodeAt(before.length - end))) end--;
  return merge([
    { kind: "same", text: before.slice(0, start) },
    { kind: "removed", text: before.slice(start, before.length - end) },
    { kind: "added", text: after.slice(start, after.length - end) },
    { kind: "same", text: before.slice(before.length - end) },
  ]);
}

export function diffWords(before: string, after: string): DiffOp[] {
  if (before === after) return before ? [{ kind: "same", text: before }] : [];
  const a = tokens(before);
  const b = tokens(after);
  if (a.length * b.length > MAX_CELLS) return middleDiff(before, after);
  // lcs[i][j]: length of the common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: DiffOp[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      ops.push({ kind: "same", text: a[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) {
      ops.push({ kind: "removed", text: a[i++]! });
    } else {
      ops.push({ kind: "added", text: b[j++]! });
    }
  }
  while (i < a.length) ops.push({ kind: "removed", text: a[i++]! });
  while (j < b.length) ops.push({ kind: "added", text: b[j++]! });
  return merge(ops);
}

/** The text each side shows: the before side drops additions, the after side drops removals. */
export function side(ops: DiffOp[], which: "before" | "after"): DiffOp[] {
  const hidden = which === "before" ? "added" : "removed";
  return ops.filter((op) => op.kind !== hidden);
}
