import { useEffect, useId, useImperativeHandle, useRef, useState, type Ref } from "react";
import { Link } from "react-router";
import type { CommandView, WhitelistRuleSpec, WhitelistSuggestion } from "../api";
import { mayDecide, READ_ONLY_TEXT, useRole } from "../auth/role";
import { useReviewerName } from "../auth/session";
import { useCommandReading } from "../encryption/KeyringProvider";
import { approveBlockedReason, readableText, whitelistBlockedReason } from "../encryption/reading";
import { AnomalyBadge } from "../ui/AnomalyBadge";
import { Modal } from "../ui/Modal";
import { inertPlain, truncate } from "../ui/inertText";
import { CommandText } from "./CommandText";
import { EditApproveDialog } from "./EditApproveDialog";
import { EncryptedCommandText } from "./EncryptedCommandText";
import { Countdown } from "./Countdown";
import { RequirementLine } from "./RequirementLine";
import { ownVoteText, voteOf } from "./requirement";
import { RiskBadge } from "./RiskBadge";
import { SessionPanel } from "./SessionPanel";
import { HIGH_RISK, riskBand } from "../ui/risk";
import { swipeProgress, SWIPE_THRESHOLD } from "./swipe";
import { useDecision } from "./useDecision";
import { useSwipe } from "./useSwipe";
import { RuleEditor } from "../whitelist/RuleEditor";
import type { RuleSeed } from "../whitelist/rules";
import "./CommandCard.css";

/** What the queue's keyboard shortcuts can ask of the selected card. */
export interface CardHandle {
  approve(): void;
  deny(): void;
  whitelist(): void;
  edit(): void;
  focus(): void;
}

interface CommandCardProps {
  command: CommandView;
  skewMs: number;
  selected: boolean;
  /** The server already took it out of the queue; it only lingers for its notice. */
  departed: boolean;
  swipeEnabled: boolean;
  onSelect(): void;
  ref?: Ref<CardHandle>;
}

type Confirm = "approve" | "deny" | null;
type EditorSeed = RuleSeed | undefined;

/** How long a refused shortcut or swipe explains itself. */
const REFUSAL_MS = 4000;

export const MULTI_PARTY_WHITELIST =
  "This command needs several approvals; a whitelist rule can be added once it is approved.";
export const ENCRYPTED_EDIT = "End-to-end encrypted commands cannot be edited: the server cannot read them.";

export function accessibleName(text: string): string {
  return truncate(inertPlain(text).replace(/\s+/g, " ").trim(), 120);
}

export function CommandCard({ command, skewMs, selected, departed, swipeEnabled, onSelect, ref }: CommandCardProps) {
  const decision = useDecision(command);
  const reading = useCommandReading(command);
  const { role } = useRole();
  const readOnly = !mayDecide(role);
  const myVote = voteOf(command, useReviewerName());
  // What is under review: the agent's text, an earlier reviewer's edit, or what this browser decrypted.
  const underReview = command.encrypted ? readableText(command, reading) : (command.approved_command ?? command.command);
  const edited = !command.encrypted && command.edited && command.approved_command !== null;
  const approveBlocked = approveBlockedReason(reading);
  const whitelistBlocked = whitelistBlockedReason(command) ?? (command.requirement.required > 1 ? MULTI_PARTY_WHITELIST : null);
  const editBlocked = command.encrypted ? ENCRYPTED_EDIT : approveBlocked;
  const refusal = useRefusal();
  const [note, setNote] = useState("");
  const [editor, setEditor] = useState<{ seed: EditorSeed } | null>(null);
  const [editing, setEditing] = useState(false);
  const [confirm, setConfirm] = useState<Confirm>(null);
  const noteId = useId();
  const cardId = useId();
  const editReasonId = useId();
  const highRisk = command.risk_score >= HIGH_RISK;
  const locked = decision.busy !== null || departed || decision.notice?.kind === "already";
  const voted = myVote ? ownVoteText(command, myVote) : null;

  /** Why this reviewer cannot act on the card at all now, or null. */
  const cannotAct = (): string | null => (readOnly ? READ_ONLY_TEXT : voted);

  // Shortcuts, swipes and buttons all come through these, so one rule covers them:
  // no approving what this browser cannot read, no whitelisting encrypted text,
  // nothing for auditors, and one vote per reviewer.
  const approve = () => {
    if (locked) return;
    const refused = cannotAct() ?? approveBlocked;
    if (refused) refusal.show(refused);
    else void decision.approve(note);
  };
  const deny = () => {
    if (locked) return;
    const refused = cannotAct();
    if (refused) refusal.show(refused);
    else void decision.deny(note);
  };
  const openEditor = (seed?: EditorSeed) => {
    if (locked) return;
    const refused = cannotAct() ?? whitelistBlocked ?? approveBlocked;
    if (refused) refusal.show(refused);
    else setEditor({ seed: seed ?? (edited ? { type: "exact", pattern: underReview ?? "", scope: "global" } : undefined) });
  };
  const openEdit = () => {
    if (locked) return;
    const refused = cannotAct() ?? editBlocked;
    if (refused) refusal.show(refused);
    else setEditing(true);
  };

  const swipe = useSwipe(swipeEnabled && !locked && !readOnly, (outcome) => {
    const refused = cannotAct() ?? (outcome === "approve" ? approveBlocked : null);
    if (refused) refusal.show(refused);
    else if (highRisk) setConfirm(outcome);
    else if (outcome === "approve") approve();
    else deny();
  });

  useImperativeHandle(
    ref,
    () => ({
      approve,
      deny,
      whitelist: () => openEditor(),
      edit: openEdit,
      focus: () => document.getElementById(cardId)?.focus(),
    }),
  );

  async function saveRule(spec: WhitelistRuleSpec, confirmDenied: boolean) {
    await decision.approveWithRule(note, spec, confirmDenied);
    setEditor(null);
  }

  async function approveEditedText(text: string, editNote: string) {
    await decision.approveEdited(editNote, text);
    setEditing(false);
  }

  const direction = swipe.dx > 0 ? "approve" : swipe.dx < 0 ? "deny" : null;
  const progress = direction ? swipeProgress(swipe.dx, cardWidth(cardId), SWIPE_THRESHOLD) : 0;
  const past = progress >= 1;
  const lost = decision.notice?.kind === "already";
  const showEditor = editor !== null && !lost;
  const buttonsOff = locked || voted !== null;

  return (
    <li className="queue__item">
      <article
        id={cardId}
        data-command-id={command.id}
        aria-label={accessibleName(underReview ?? command.command)}
        aria-current={selected ? "true" : undefined}
        aria-busy={decision.busy !== null}
        tabIndex={selected ? 0 : -1}
        className={[
          "card",
          `card--risk-${riskBand(command.risk_score)}`,
          command.escalated_at && "card--escalated",
          selected && "card--selected",
          departed && "card--departed",
          direction && `card--swipe-${direction}`,
          past && "card--swipe-past",
        ]
          .filter(Boolean)
          .join(" ")}
        onFocus={onSelect}
        onPointerDownCapture={onSelect}
        {...swipe.handlers}
      >
        {direction && (
          <div className={`card__hint card__hint--${direction}`} aria-hidden="true" style={{ opacity: 0.35 + 0.65 * progress }}>
            {direction === "approve" ? "Approve" : "Deny"}
          </div>
        )}
        <div className="card__body" style={swipe.swiping ? { transform: `translateX(${swipe.dx}px)` } : undefined}>
          <header className="card__head">
            <RiskBadge score={command.risk_score} />
            {command.escalated_at && (
              <span className="badge badge--danger" title="Nobody decided in time, so it was escalated; it has a new deadline">
                <span aria-hidden="true">⇪</span> Escalated
              </span>
            )}
            {edited && (
              <span className="badge badge--lock" title="A reviewer edited the command; the edited text is what will run">
                <span aria-hidden="true">✎</span> Edited
              </span>
            )}
            {command.anomalies.map((a) => (
              <AnomalyBadge key={a} id={a} />
            ))}
            {command.encrypted && (
              <>
                <span className="badge badge--lock" title="Only the agent and reviewers can read this command">
                  End-to-end encrypted
                </span>
                {/* With encryption, `command` is only the agent's label: shown small, never as the command. */}
                <span className="card__label" title="The agent’s label; the server sees only this">
                  <span className="visually-hidden">Agent’s label: </span>
                  {truncate(inertPlain(command.command), LABEL_CHARS)}
                </span>
              </>
            )}
            <span className="card__spacer" />
            <Countdown expiresAt={command.expires_at} skewMs={skewMs} />
          </header>

          {command.encrypted ? (
            <EncryptedCommandText reading={reading} />
          ) : edited ? (
            <div className="card__edited">
              <span className="meta-label">Edited — the agent will run</span>
              <CommandText text={command.approved_command ?? ""} className="card__command" />
              <span className="meta-label">Original, as the agent sent it</span>
              <CommandText text={command.command} className="card__original" />
            </div>
          ) : (
            <CommandText text={command.command} className="card__command" />
          )}

          {/* The server parsed only the label of an encrypted command: its parts say nothing. */}
          {!command.encrypted && !edited && command.parts.length > 1 && (
            <ol className="card__parts" aria-label="Parts of the command">
              {command.parts.map((part, i) => (
                <li key={i}>
                  {/* Each part is clamped too: the whole text is one toggle away above. */}
                  <code>{truncate(inertPlain(part), PART_CHARS)}</code>
                </li>
              ))}
            </ol>
          )}

          <dl className="card__meta">
            <div>
              <dt>Target</dt>
              <dd>{command.target ?? <span className="muted">none</span>}</dd>
            </div>
            <div>
              <dt>Agent</dt>
              <dd>{command.agent.name}</dd>
            </div>
          </dl>

          <RequirementLine command={command} />

          <SessionPanel command={command} />

          {!readOnly && !whitelistBlocked && command.suggestions && command.suggestions.length > 0 && (
            <Suggestions suggestions={command.suggestions} disabled={buttonsOff} onPick={(s) => openEditor({ type: s.type, pattern: s.pattern, scope: s.scope })} />
          )}

          {readOnly ? (
            <div className="card__readonly">
              <p>{READ_ONLY_TEXT}</p>
              <Link className="btn btn--ghost card__details" to={`/commands/${encodeURIComponent(command.id)}`}>
                Details
              </Link>
            </div>
          ) : (
            <>
              <div className="card__note">
                <label htmlFor={noteId} className="visually-hidden">
                  Note (optional)
                </label>
                <input
                  id={noteId}
                  className="input input--small"
                  placeholder="Note (optional)"
                  value={note}
                  maxLength={2000}
                  disabled={buttonsOff}
                  onChange={(e) => setNote(e.target.value)}
                />
              </div>

              <div className="card__actions">
                <button
                  type="button"
                  className="btn btn--approve"
                  disabled={buttonsOff || approveBlocked !== null}
                  title={approveBlocked ?? undefined}
                  onClick={approve}
                  aria-keyshortcuts="A"
                >
                  {decision.busy === "approve" ? "Approving…" : "Approve"}
                </button>
                <button type="button" className="btn btn--deny" disabled={buttonsOff} onClick={deny} aria-keyshortcuts="D">
                  {decision.busy === "deny" ? "Denying…" : "Deny"}
                </button>
                <button
                  type="button"
                  className="btn"
                  disabled={buttonsOff || editBlocked !== null}
                  title={editBlocked ?? undefined}
                  aria-describedby={editBlocked ? editReasonId : undefined}
                  onClick={openEdit}
                  aria-keyshortcuts="E"
                >
                  {decision.busy === "edit" ? "Approving…" : "Edit & approve"}
                </button>
                {editBlocked && (
                  <span id={editReasonId} className="visually-hidden">
                    {editBlocked}
                  </span>
                )}
                {!whitelistBlocked && (
                  <button type="button" className="btn" disabled={buttonsOff || approveBlocked !== null} onClick={() => openEditor()} aria-keyshortcuts="W">
                    Approve and whitelist
                  </button>
                )}
                <Link className="btn btn--ghost card__details" to={`/commands/${encodeURIComponent(command.id)}`}>
                  Details
                </Link>
              </div>
            </>
          )}

          {voted && !decision.notice && (
            <p role="status" className="card__notice card__notice--counted">
              {voted}
            </p>
          )}
          {refusal.text && (
            <p role="alert" className="card__notice card__notice--error">
              {refusal.text}
            </p>
          )}
          {decision.notice && (
            <p role={decision.notice.kind === "counted" ? "status" : "alert"} className={`card__notice card__notice--${decision.notice.kind}`}>
              {decision.notice.text}
              {decision.notice.kind !== "already" && (
                <button type="button" className="btn btn--ghost btn--small" onClick={decision.dismissNotice}>
                  Dismiss
                </button>
              )}
            </p>
          )}
        </div>
      </article>

      {showEditor && editor && (
        <RuleEditor save={{ kind: "approve", command, seed: editor.seed, approve: saveRule }} onCancel={() => setEditor(null)} />
      )}
      {editing && !lost && (
        <EditApproveDialog
          command={command}
          current={underReview ?? command.command}
          initialNote={note}
          approve={approveEditedText}
          onCancel={() => setEditing(false)}
        />
      )}
      {confirm && (
        <Modal role="alertdialog" title={confirm === "approve" ? "Approve high-risk command?" : "Deny high-risk command?"} onClose={() => setConfirm(null)}>
          <p className="confirm__risk">
            Risk {command.risk_score}/100. There is no undo once you decide.
          </p>
          <pre className="cmdtext confirm__cmd">
            <code>{truncate(inertPlain(underReview ?? command.command), 400)}</code>
          </pre>
          <div className="modal__actions">
            <button type="button" className="btn" onClick={() => setConfirm(null)}>
              Cancel
            </button>
            <button
              type="button"
              className={confirm === "approve" ? "btn btn--approve" : "btn btn--deny"}
              onClick={() => {
                const choice = confirm;
                setConfirm(null);
                if (choice === "approve") approve();
                else deny();
              }}
            >
              {confirm === "approve" ? "Approve" : "Deny"}
            </button>
          </div>
        </Modal>
      )}
    </li>
  );
}

function cardWidth(id: string): number {
  return document.getElementById(id)?.getBoundingClientRect().width || 1;
}

const PART_CHARS = 300;
const LABEL_CHARS = 120;

/** A short-lived explanation of why a key press or swipe did nothing. */
function useRefusal() {
  const [text, setText] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  return {
    text,
    show(message: string) {
      clearTimeout(timer.current);
      setText(message);
      timer.current = setTimeout(() => setText(null), REFUSAL_MS);
    },
  };
}

function Suggestions({ suggestions, disabled, onPick }: { suggestions: WhitelistSuggestion[]; disabled: boolean; onPick(s: WhitelistSuggestion): void }) {
  return (
    <div className="suggestions">
      <span className="meta-label">Suggested rules</span>
      <ul>
        {suggestions.map((s, i) => (
          <li key={i}>
            <button type="button" className="suggestion" disabled={disabled} onClick={() => onPick(s)} title={inertPlain(s.pattern)}>
              <span className="suggestion__line">
                <span className="badge">{s.type}</span>
                <span className="suggestion__reason">{s.reason}</span>
              </span>
              <code className="suggestion__pattern">{truncate(inertPlain(s.pattern), 200)}</code>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
