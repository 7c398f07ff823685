import { useCallback, useEffect, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { CommandCard, type CardHandle } from "./CommandCard";
import { QueueSkeleton } from "./QueueSkeleton";
import { useQueue } from "./QueueProvider";
import { ShortcutsDialog } from "./ShortcutsDialog";
import { AlertToggles } from "./AlertToggles";
import { connectionLabel } from "./ConnectionStatus";
import { useQueueKeyboard } from "./useQueueKeyboard";
import { usePhoneLayout } from "./useSwipe";
import { QueueSuggestions } from "../suggestions/QueueSuggestions";
import { mayDecide, useRole } from "../auth/role";
import "./QueuePage.css";

function focusIsLost(): boolean {
  return document.activeElement === null || document.activeElement === document.body;
}

export function QueuePage() {
  const queue = useQueue();
  const { commands, loaded, connection, skewMs, departed } = queue;
  const navigate = useNavigate();
  const phone = usePhoneLayout();
  const readOnly = !mayDecide(useRole().role);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [help, setHelp] = useState(false);
  const cards = useRef(new Map<string, CardHandle>());
  const lastIndex = useRef(0);

  // Keep a selection: when the selected card leaves, its successor takes its
  // place, so A, A, A walks down the queue without touching the mouse.
  const selectedIndex = commands.findIndex((c) => c.id === selectedId);
  useEffect(() => {
    if (selectedIndex >= 0) {
      lastIndex.current = selectedIndex;
      return;
    }
    const next = commands[Math.min(lastIndex.current, commands.length - 1)];
    const replacing = selectedId !== null;
    setSelectedId(next?.id ?? null);
    if (next && replacing && focusIsLost()) {
      // Focus left with the removed card; give it to the successor. Checked
      // again at paint time in case the reviewer moved on in between.
      requestAnimationFrame(() => focusIsLost() && cards.current.get(next.id)?.focus());
    }
  }, [selectedIndex, selectedId, commands]);

  const move = useCallback(
    (delta: number) => {
      if (commands.length === 0) return;
      const from = selectedIndex < 0 ? (delta > 0 ? -1 : commands.length) : selectedIndex;
      const target = commands[Math.max(0, Math.min(commands.length - 1, from + delta))];
      if (!target) return;
      setSelectedId(target.id);
      const handle = cards.current.get(target.id);
      handle?.focus();
    },
    [commands, selectedIndex],
  );

  useQueueKeyboard((shortcut) => {
    if (shortcut === "help") {
      setHelp(true);
      return;
    }
    if (shortcut === "next") return move(1);
    if (shortcut === "previous") return move(-1);
    // A key pressed in the instant between a card leaving and its successor being
    // selected is for the successor, as it would be a moment later.
    const target = selectedIndex >= 0 ? selectedId : (commands[Math.min(lastIndex.current, commands.length - 1)]?.id ?? null);
    const handle = target ? cards.current.get(target) : undefined;
    if (!handle || !target) return;
    if (shortcut === "approve") handle.approve();
    else if (shortcut === "deny") handle.deny();
    else if (shortcut === "whitelist") handle.whitelist();
    else if (shortcut === "edit") handle.edit();
    else if (shortcut === "open") navigate(`/commands/${encodeURIComponent(target)}`);
  });

  const waiting = commands.length - departed.length;
  const disconnected = connection.kind !== "live" && connection.kind !== "connecting";

  return (
    <section className="queue" aria-labelledby="queue-title">
      <div className="queue__header">
        <h1 id="queue-title" className="queue__title">
          Queue {loaded && <span className="queue__count">{waiting} waiting</span>}
          {readOnly && <span className="badge badge--neutral">Read-only</span>}
        </h1>
        <div className="queue__tools">
          <AlertToggles />
          <button type="button" className="btn btn--ghost btn--small queue__shortcuts" onClick={() => setHelp(true)} aria-keyshortcuts="?">
            Shortcuts <kbd aria-hidden="true">?</kbd>
          </button>
        </div>
      </div>

      {loaded && disconnected && (
        <div className="queue__banner" role="status">
          <strong>Connection lost.</strong> The queue below may be out of date; {connectionLabel(connection).toLowerCase()}.
          {connection.kind === "reconnecting" && (
            <button type="button" className="btn btn--small" onClick={queue.reconnectNow}>
              Retry now
            </button>
          )}
        </div>
      )}

      <div className="queue__layout">
        <div className="queue__main">
          {!loaded && !disconnected && <QueueSkeleton />}
          {!loaded && disconnected && (
            <div className="queue__state queue__state--error">
              <h2>Can’t reach the live queue</h2>
              <p>{connectionLabel(connection)}. The page keeps trying by itself.</p>
              {connection.kind === "reconnecting" && (
                <button type="button" className="btn btn--primary" onClick={queue.reconnectNow}>
                  Retry now
                </button>
              )}
            </div>
          )}

          {loaded && commands.length === 0 && (
            <div className="queue__state">
              <h2>No commands waiting</h2>
              {readOnly ? (
                <p className="muted">
                  You are an auditor: you can read every command and decision in History, but commands wait here only for
                  reviewers who may decide them.
                </p>
              ) : (
                <p className="muted">
                  New requests from agents appear here the moment they arrive. Turn on sound or desktop notifications to hear
                  about them while you work elsewhere. Press <kbd>?</kbd> for keyboard shortcuts; on a phone, swipe a card right
                  to approve or left to deny.
                </p>
              )}
            </div>
          )}

          <ul className="queue__list" aria-label="Pending commands" hidden={!loaded}>
            {commands.map((command) => (
              <CommandCard
                key={command.id}
                ref={(handle: CardHandle | null) => {
                  if (handle) cards.current.set(command.id, handle);
                  else cards.current.delete(command.id);
                }}
                command={command}
                skewMs={skewMs}
                selected={command.id === selectedId}
                departed={departed.includes(command.id)}
                swipeEnabled={phone}
                onSelect={() => setSelectedId(command.id)}
              />
            ))}
          </ul>
        </div>
        <QueueSuggestions commands={commands} />
      </div>

      {help && <ShortcutsDialog onClose={() => setHelp(false)} />}
    </section>
  );
}
