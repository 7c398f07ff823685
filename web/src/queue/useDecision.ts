import { useCallback, useEffect, useRef, useState } from "react";
import { asApiError, type CommandView, type WhitelistRuleSpec } from "../api";
import { useQueue } from "./QueueProvider";
import { alreadyDecidedText, approveCommand, approveWithRule, denyCommand } from "./decisions";

/** How long "Already approved by …" stays readable before the card leaves. */
export const NOTICE_LINGER_MS = 4000;

export type Busy = "approve" | "deny" | "whitelist" | null;
export interface Notice {
  kind: "already" | "error";
  text: string;
}

/**
 * One card's decision requests. The card is held in the queue while a request
 * is in flight so the server's own `decided` broadcast cannot remove it before
 * we know whether we won; it leaves on our 200, or after showing who was first.
 */
export function useDecision(command: CommandView) {
  const { hold, release, removed } = useQueue();
  const [busy, setBusy] = useState<Busy>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const lingerTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const id = command.id;

  useEffect(() => () => clearTimeout(lingerTimer.current), []);

  const lost = useCallback(
    (text: string) => {
      setNotice({ kind: "already", text });
      lingerTimer.current = setTimeout(() => removed(id), NOTICE_LINGER_MS);
    },
    [id, removed],
  );

  const run = useCallback(
    async (kind: Exclude<Busy, null>, request: () => Promise<unknown>, rethrow = false) => {
      hold(id);
      setBusy(kind);
      setNotice(null);
      try {
        await request();
        removed(id);
      } catch (err) {
        const error = asApiError(err);
        setBusy(null);
        if (error.code === "already_decided") {
          lost(alreadyDecidedText(error));
          return;
        }
        if (rethrow) {
          release(id);
          throw error;
        }
        setNotice({ kind: "error", text: errorText(kind, error.message) });
        release(id);
      }
    },
    [hold, release, removed, id, lost],
  );

  return {
    busy,
    notice,
    dismissNotice: () => setNotice(null),
    approve: (note: string) => run("approve", () => approveCommand(id, note)),
    deny: (note: string) => run("deny", () => denyCommand(id, note)),
    /** For the rule editor: rule errors are rethrown so the editor can show them. */
    approveWithRule: (note: string, spec: WhitelistRuleSpec, confirm: boolean) =>
      run("whitelist", () => approveWithRule(id, note, spec, confirm), true),
  };
}

function errorText(kind: Exclude<Busy, null>, message: string): string {
  const what = kind === "deny" ? "Deny" : "Approve";
  return `${what} failed: ${message}`;
}
