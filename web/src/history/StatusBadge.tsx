import type { CommandStatus } from "../api";
import { riskBand } from "../ui/risk";
import { statusLabel } from "./format";

/** A status as words plus a shape; colour only reinforces it. */
const SYMBOL: Record<CommandStatus, string> = {
  pending: "◷",
  approved: "✓",
  denied: "✕",
  timed_out: "⊘",
  cancelled: "–",
};

export function StatusBadge({ status }: { status: CommandStatus }) {
  return (
    <span className={`badge badge--${status}`}>
      <span aria-hidden="true">{SYMBOL[status]}</span> {statusLabel(status)}
    </span>
  );
}

export function RiskScore({ score }: { score: number }) {
  const level = riskBand(score);
  return (
    <span className={`risk-score risk-score--${level}`} title={`Risk score ${score} of 100 (${level})`}>
      {score} <span className="risk-score__level">{level}</span>
    </span>
  );
}
