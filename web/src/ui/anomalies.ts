/**
 * The anomaly ids the server's risk rules report (docs/RISK.md), each with a
 * short label for a badge and a sentence saying what it means. The one place
 * these words live: cards, the detail page and suggestions all read them here.
 */
export interface AnomalyText {
  label: string;
  description: string;
}

export const ANOMALIES: Readonly<Record<string, AnomalyText>> = {
  destructive: {
    label: "Destructive",
    description: "Deletes or overwrites at scale: rm -rf, mkfs, dd to a device, DROP, terraform destroy, force-push.",
  },
  privilege_escalation: {
    label: "Privilege escalation",
    description: "Gains or hands out privileges: sudo, su, setuid or world-writable modes, sudoers, admin groups.",
  },
  remote_code: {
    label: "Runs remote code",
    description: "Fetches code from the network and runs it, as in curl … | sh.",
  },
  secret_access: {
    label: "Secret access",
    description: "Reads credentials, keys or the environment: SSH keys, .env files, cloud credentials, secret stores.",
  },
  exfiltration: {
    label: "Exfiltration",
    description: "Sends files or data to a host outside the organisation's egress allow-list.",
  },
  obfuscation: {
    label: "Obfuscated",
    description: "Hides what it runs (encoded payloads, eval of variables) or cannot be parsed at all.",
  },
  novelty: {
    label: "New for this agent",
    description: "A program or target this agent has never used before.",
  },
  unusual_activity: {
    label: "Unusual activity",
    description: "Outside the organisation's working hours, or far more commands a minute than this agent usually sends.",
  },
  encrypted: {
    label: "Encrypted",
    description: "End-to-end encrypted: the server could not read it, so its risk rules could not check it.",
  },
};

/** The words for any id, including one this app does not know yet. */
export function anomalyText(id: string): AnomalyText {
  const known = ANOMALIES[id];
  if (known) return known;
  const words = id.replace(/[_-]+/g, " ").trim();
  return { label: words.charAt(0).toUpperCase() + words.slice(1), description: `Flagged by the risk rule “${id}”.` };
}
