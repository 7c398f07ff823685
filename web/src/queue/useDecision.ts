import { useCallback, useEffect, useRef, useState } from "react";
import { asApiError, type CommandView, type WhitelistRuleSpec } from "../api";
import { useQueue } from "./QueueProvider";
import { alreadyDecidedText, approveCommand, approveEdited, approveWithRule, decisionErrorText, denyCommand, refusalText } from "./decisions";
import { approvalsText } from "./requirement";

/** How long "Already approved by …" stays readable before the card leaves. */
export const NOTICE_LINGER_MS = 4000;

export type Busy = "approve" | "deny" | "whitelist" | "edit" | null;
export interface Notice {
  /**
   * already: someone else decided first (the card is leaving). refused: the
   * server said this reviewer may not (role, separation of duties, voted
   * already). counted: our vote is in, more are needed. error: anything else.
   */
  kind: "already" | "refused" | "counted" | "error";
  text: string;
}

/**
 * One card's decision requests. The card is held in the queue while a request
 * is in flight so the server's own `decided` broadcast cannot remove it before
 * we know whether we won; it leaves on our 200, or after showing who was first.
 * A multi-party command answers 200 still pending: the card stays, with our vote.
 */
export function useDecision(command: CommandView) {
  const { hold, release, removed, updated } = useQueue();
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
    async (kind: Exclude<Busy, null>, request: () => Promise<CommandView | undefined>, rethrow = false) => {
      hold(id);
      setBusy(kind);
      setNotice(null);
      try {
        const answer = await request();
        setBusy(null);
        if (answer?.status === "pending") {
          updated(answer);
          release(id);
          const yours = kind === "deny" ? "Your vote against is counted" : "Your approval is counted";
          setNotice({ kind: "counted", text: `${yours}: ${approvalsText(answer)}.` });
        } else {
          removed(id);
        }
      } catch (err) {
        const error = asApiError(err);
        setBusy(null);
        if (error.code === "already_decided") {
          lost(alreadyDecidedText(error));
          return;
        }
        release(id);
        if (rethrow) throw error;
        setNotice({ kind: refusalText(error) ? "refused" : "error", text: decisionErrorText(kind, error) });
      }
    },
    [hold, release, removed, updated, id, lost],
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
    /** For the edit dialog: refusals are rethrown so the dialog (holding the edited text) shows them. */
    approveEdited: (note: string, text: string) => run("edit", () => approveEdited(id, note, text), true),
  };
}
