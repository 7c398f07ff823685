/**
 * Whether a suggested rule would cover a command waiting in the queue, so the
 * queue can put the suggestions that matter now first. An approximation of the
 * server's matcher (policy/patterns.py): the server decides what a rule really
 * approves; this only orders a list.
 */
import type { CommandView, SuggestedRule } from "../api";
import { parseScope } from "../whitelist/rules";

/** Shell glob → anchored RegExp: `*` any run but a newline, `?` one character, `[a-z]` / `[!a-z]` classes. */
export function globToRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") out += "[^\\n]*";
    else if (c === "?") out += "[^\\n]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end === -1) {
        out += "\\[";
        continue;
      }
      let body = glob.slice(i + 1, end);
      if (body.startsWith("!")) body = `^${body.slice(1)}`;
      out += `[${body.replace(/\\/g, "\\\\")}]`;
      i = end;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^(?:${out})$`);
}

function matcher(suggestion: Pick<SuggestedRule, "type" | "pattern">): ((text: string) => boolean) | null {
  try {
    switch (suggestion.type) {
      case "exact": {
        const want = suggestion.pattern.trim();
        return (text) => text.trim() === want;
      }
      case "glob": {
        const re = globToRegExp(suggestion.pattern);
        return (text) => re.test(text);
      }
      case "regex": {
        const re = new RegExp(`^(?:${suggestion.pattern})$`, "u");
        return (text) => re.test(text);
      }
    }
  } catch {
    return null; // RE2 syntax JavaScript does not read: no opinion
  }
}

function scopeCovers(scope: string, target: string | null): boolean {
  const parsed = parseScope(scope);
  if (parsed.kind === "global") return true;
  // Target groups live on the server; a group scope may cover any target.
  if (parsed.kind === "group") return true;
  return parsed.name === target;
}

/** How many of `commands` the suggestion's rule would cover (whole text, or every part). */
export function coveredCount(suggestion: SuggestedRule, commands: readonly CommandView[]): number {
  const matches = matcher(suggestion);
  if (!matches) return 0;
  return commands.filter((c) => {
    if (c.encrypted || !scopeCovers(suggestion.scope, c.target)) return false;
    const text = c.approved_command ?? c.command;
    if (matches(text)) return true;
    return c.approved_command === null && c.parts.length > 1 && c.parts.every(matches);
  }).length;
}
