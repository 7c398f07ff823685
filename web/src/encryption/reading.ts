/**
 * What a reviewer may see and do with a command, given what this browser
 * could read of it. The rule: nobody approves or whitelists what they cannot
 * read; Deny is always possible.
 */
import type { CommandView } from "../api";
import type { Opened } from "./envelope";

/** A plain command, or the outcome (so far) of opening an encrypted one. */
export type CommandReading = { state: "plain" } | { state: "decrypting" } | Opened;

/** The command text to show, or null while there is none this browser can read. */
export function readableText(command: CommandView, reading: CommandReading): string | null {
  if (reading.state === "plain") return command.command;
  return reading.state === "readable" ? reading.text : null;
}

/** The reviewer-facing sentence for a command this browser cannot read. */
export function unreadableText(reading: CommandReading): string | null {
  if (reading.state !== "unreadable") return null;
  switch (reading.reason) {
    case "no-key":
    case "not-for-this-key":
      return "Encrypted for other reviewers' keys — this browser cannot read it.";
    case "tampered":
      return "Could not decrypt: the ciphertext does not match.";
    case "unsupported":
      return "Could not decrypt: the envelope uses an algorithm or encoding this app does not know.";
  }
}

/** Why Approve is refused for this command, or null when it is allowed. */
export function approveBlockedReason(reading: CommandReading): string | null {
  if (reading.state === "plain" || reading.state === "readable") return null;
  if (reading.state === "decrypting") return "Still decrypting: approve once the command is shown.";
  return "Cannot approve: this browser cannot read this encrypted command. You can still deny it.";
}

/** Why a command cannot be whitelisted, or null when it can. */
export function whitelistBlockedReason(command: CommandView): string | null {
  return command.encrypted
    ? "Encrypted commands are never whitelisted: the server cannot match text it cannot read."
    : null;
}
