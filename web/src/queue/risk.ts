export type RiskBand = "low" | "medium" | "high";

export const HIGH_RISK = 70;

export function riskBand(score: number): RiskBand {
  if (score >= HIGH_RISK) return "high";
  if (score >= 40) return "medium";
  return "low";
}
