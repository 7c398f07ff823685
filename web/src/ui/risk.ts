/** Risk bands, as the server scores them (policy/risk.py: HIGH_RISK = 70). One source for every screen. */
export type RiskBand = "low" | "medium" | "high";

export const HIGH_RISK = 70;

export function riskBand(score: number): RiskBand {
  if (score >= HIGH_RISK) return "high";
  if (score >= 40) return "medium";
  return "low";
}
