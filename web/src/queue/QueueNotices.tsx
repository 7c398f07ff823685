import { useNavigate } from "react-router";
import type { QueueNotice } from "./queueNotices";
import { useQueue } from "./QueueProvider";
import { inertPlain, truncate } from "../ui/inertText";
import "./QueueNotices.css";

function commandOf(notice: QueueNotice): string {
  return truncate(inertPlain(notice.command.approved_command ?? notice.command.command), 80);
}

function cardOf(id: string): HTMLElement | null {
  return document.querySelector<HTMLElement>(`[data-command-id="${CSS.escape(id)}"]`);
}

function Notice({ notice, inQueue, onDismiss }: { notice: QueueNotice; inQueue: boolean; onDismiss(): void }) {
  const navigate = useNavigate();
  const agent = notice.command.agent.name;
  const show = () => {
    const card = cardOf(notice.command.id);
    if (card) return card.focus();
    // On another screen: go to the queue, then to the card once it is drawn.
    navigate("/");
    requestAnimationFrame(() => cardOf(notice.command.id)?.focus());
  };
  return (
    <div className={`toast toast--${notice.kind}`}>
      {notice.kind === "escalated" ? (
        <p>
          <strong>Escalated to you{notice.tier ? ` (${notice.tier}s and above)` : ""}:</strong> <code>{commandOf(notice)}</code>{" "}
          from {agent}. Nobody decided it in time; it has a new deadline.
        </p>
      ) : (
        <p>
          Timed out without a decision: <code>{commandOf(notice)}</code> from {agent}.
        </p>
      )}
      <div className="toast__actions">
        {notice.kind === "escalated" && inQueue && (
          <button type="button" className="btn btn--small" onClick={show}>
            Show it
          </button>
        )}
        <button type="button" className="btn btn--ghost btn--small" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
    </div>
  );
}

/**
 * Escalations (an alert: the command now needs this reviewer) and timeouts (a
 * polite status). Fixed to a corner so nothing on the page moves when one comes.
 */
export function QueueNotices() {
  const { notices, dismissNotice, commands } = useQueue();
  const inQueue = (n: QueueNotice) => commands.some((c) => c.id === n.command.id);
  const urgent = notices.filter((n) => n.kind === "escalated");
  const polite = notices.filter((n) => n.kind !== "escalated");
  return (
    <div className="toasts">
      <div role="alert" className="toasts__group">
        {urgent.map((n) => (
          <Notice key={n.key} notice={n} inQueue={inQueue(n)} onDismiss={() => dismissNotice(n.key)} />
        ))}
      </div>
      <div role="status" className="toasts__group">
        {polite.map((n) => (
          <Notice key={n.key} notice={n} inQueue={inQueue(n)} onDismiss={() => dismissNotice(n.key)} />
        ))}
      </div>
    </div>
  );
}
