import { useId, useMemo, useRef, useState, type FormEvent } from "react";
import { asApiError, type CommandView } from "../api";
import { useDebounced } from "../ui/useDebounced";
import { InertText } from "../ui/InertText";
import { Modal } from "../ui/Modal";
import { decisionErrorText } from "./decisions";
import { diffWords, side, type DiffOp } from "./editDiff";

/** The server's limit on a command (64 KiB); an edit is held to it too. */
const MAX_COMMAND_BYTES = 64 * 1024;
/** Diffing on every keystroke of a long command is wasted work. */
const DIFF_DEBOUNCE_MS = 150;

interface Props {
  command: CommandView;
  /** The text now under review: the agent's, or an earlier reviewer's edit. */
  current: string;
  initialNote: string;
  /** Throws `ApiError` (refusals, 422) for the dialog to show; resolves once the vote is in. */
  approve(text: string, note: string): Promise<void>;
  onCancel(): void;
}

export function editProblem(text: string, current: string): string | null {
  if (!text.trim()) return "The command cannot be empty.";
  if (new TextEncoder().encode(text).length > MAX_COMMAND_BYTES) return "Commands are at most 64 KiB.";
  if (text === current) return "Change the command first, or use Approve to approve it as it is.";
  return null;
}

function DiffSide({ ops, label }: { ops: DiffOp[]; label: string }) {
  return (
    <div className="editdiff__side">
      <span className="meta-label">{label}</span>
      <pre className="cmdtext editdiff__text">
        <code>
          {ops.map((op, i) => {
            if (op.kind === "removed") {
              return (
                <del key={i} className="editdiff__del">
                  <InertText text={op.text} />
                </del>
              );
            }
            if (op.kind === "added") {
              return (
                <ins key={i} className="editdiff__ins">
                  <InertText text={op.text} />
                </ins>
              );
            }
            return <InertText key={i} text={op.text} />;
          })}
        </code>
      </pre>
    </div>
  );
}

/**
 * "Edit & approve": change the command before approving it, seeing the change
 * word by word. The agent then runs exactly the edited text; the server scores
 * it again, and an edit never loosens who must approve it.
 */
export function EditApproveDialog({ command, current, initialNote, approve, onCancel }: Props) {
  const uid = useId();
  const [text, setText] = useState(current);
  const [note, setNote] = useState(initialNote);
  const [touched, setTouched] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const textRef = useRef<HTMLTextAreaElement>(null);
  const settled = useDebounced(text, DIFF_DEBOUNCE_MS);
  const ops = useMemo(() => diffWords(current, settled), [current, settled]);

  const problem = editProblem(text, current);
  const shownProblem = touched ? problem : null;
  const restartsCount = command.votes.length > 0;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (problem) {
      textRef.current?.focus();
      return;
    }
    setSaving(true);
    setError(null);
    try {
      await approve(text, note);
    } catch (err) {
      setError(decisionErrorText("edit", asApiError(err)));
      setSaving(false);
    }
  }

  return (
    <Modal title="Edit and approve" onClose={onCancel} initialFocus={textRef} className="editapprove">
      <form onSubmit={(e) => void submit(e)} noValidate className="editapprove__form">
        <p className="muted" id={`${uid}-hint`}>
          The agent runs exactly the text you approve. The edited command is scored again and may need a more senior
          reviewer; an edit never lowers what the command needs.
          {restartsCount && " Earlier approvals were for the old text, so the count starts again."}
        </p>
        <label className="field-label" htmlFor={`${uid}-text`}>
          Command to run
        </label>
        <textarea
          id={`${uid}-text`}
          ref={textRef}
          className="textarea editapprove__text"
          rows={Math.min(10, Math.max(3, text.split("\n").length + 1))}
          spellCheck={false}
          autoCapitalize="off"
          autoCorrect="off"
          value={text}
          aria-invalid={shownProblem ? true : undefined}
          aria-describedby={shownProblem ? `${uid}-problem ${uid}-hint` : `${uid}-hint`}
          onChange={(e) => {
            setText(e.target.value);
            setTouched(true);
            setError(null);
          }}
        />
        {shownProblem && (
          <p id={`${uid}-problem`} className="error-text">
            {shownProblem}
          </p>
        )}

        <section className="editdiff" aria-label="Change">
          <DiffSide ops={side(ops, "before")} label="Before" />
          <DiffSide ops={side(ops, "after")} label="After: what the agent will run" />
        </section>

        <label className="field-label" htmlFor={`${uid}-note`}>
          Note (optional)
        </label>
        <input
          id={`${uid}-note`}
          className="input"
          value={note}
          maxLength={2000}
          placeholder="Why you changed it, for the audit log"
          onChange={(e) => setNote(e.target.value)}
        />

        {error && (
          <p role="alert" className="notice notice--error">
            {error}
          </p>
        )}
        <div className="modal__actions">
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="btn btn--approve" disabled={saving || problem !== null}>
            {saving ? "Approving…" : "Approve edited command"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
