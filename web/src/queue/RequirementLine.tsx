import type { CommandView, Vote } from "../api";
import { formatDateTime, formatShortDateTime } from "../history/format";
import { InertText } from "../ui/InertText";
import { MODE_HINT, requirementParts } from "./requirement";

const VOTE_MARK: Record<Vote["vote"], string> = { approve: "✓", deny: "✕" };
const VOTE_WORD: Record<Vote["vote"], string> = { approve: "approved", deny: "voted to deny" };

function Votes({ votes }: { votes: Vote[] }) {
  return (
    <ul className="votes" aria-label="Votes">
      {votes.map((vote) => (
        <li key={`${vote.reviewer}-${vote.at}`} className={`vote vote--${vote.vote}`}>
          <span className="vote__mark" aria-hidden="true">
            {VOTE_MARK[vote.vote]}
          </span>{" "}
          <InertText text={vote.reviewer} /> <span className="muted">({vote.role})</span> {VOTE_WORD[vote.vote]}
          <time className="muted" dateTime={vote.at} title={formatDateTime(vote.at)}>
            {" "}
            · {formatShortDateTime(vote.at)}
          </time>
          {vote.note && (
            <span className="vote__note">
              {" "}
              — “<InertText text={vote.note} singleLine max={200} />”
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

/**
 * Who may decide a command that is not routine, how far its approvals have
 * come, and who voted: "Needs a senior · 1 of 2 approvals (AllOf) · risk 85".
 */
export function RequirementLine({ command }: { command: CommandView }) {
  const parts = requirementParts(command);
  if (parts.length === 0 && command.votes.length === 0) return null;
  const { mode, reason, policy_id } = command.requirement;
  return (
    <div className="card__requirement">
      {parts.length > 0 && (
        <p className="requirement" title={`${mode}: ${MODE_HINT[mode]}`}>
          <span className="requirement__mark" aria-hidden="true">
            ⚑
          </span>{" "}
          <strong>{parts.join(" · ")}</strong>
          {/* The default routing's reason only repeats "Needs a senior · risk 85"; a policy's names the policy. */}
          {reason && policy_id !== null && <span className="requirement__reason"> — {reason}</span>}
        </p>
      )}
      {command.votes.length > 0 && <Votes votes={command.votes} />}
    </div>
  );
}
