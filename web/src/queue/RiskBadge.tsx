import { riskBand } from "../ui/risk";

const BAND_TEXT = { low: "Low risk", medium: "Medium risk", high: "High risk" } as const;

/** Risk as text and colour both, so it reads without colour vision. */
export function RiskBadge({ score }: { score: number }) {
  const band = riskBand(score);
  return (
    <span className={`risk risk--${band}`} data-band={band}>
      <span className="risk__meter" aria-hidden="true">
        <span className="risk__fill" style={{ width: `${Math.max(0, Math.min(100, score))}%` }} />
      </span>
      {BAND_TEXT[band]} · {score}
    </span>
  );
}
