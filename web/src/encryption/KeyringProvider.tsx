import { createContext, use, useEffect, useReducer, useSyncExternalStore, type ReactNode } from "react";
import type { CommandView } from "../api";
import type { Opened } from "./envelope";
import { BrowserKeyring, type KeyringState } from "./keyring";
import { indexedDbKeyStore } from "./keyStore";

const KeyringContext = createContext<BrowserKeyring | null>(null);

let browserKeyring: BrowserKeyring | null = null;

/** The app's keyring, kept in IndexedDB; made on first use. */
function defaultKeyring(): BrowserKeyring {
  browserKeyring ??= new BrowserKeyring(indexedDbKeyStore());
  return browserKeyring;
}

/** Use another keyring below (tests use one backed by a Map). */
export function KeyringProvider({ keyring, children }: { keyring: BrowserKeyring; children: ReactNode }) {
  return <KeyringContext value={keyring}>{children}</KeyringContext>;
}

export function useKeyring(): BrowserKeyring {
  return use(KeyringContext) ?? defaultKeyring();
}

/** This browser's key as it is now. */
export function useKeyringState(): KeyringState {
  const keyring = useKeyring();
  return useSyncExternalStore(keyring.subscribe, keyring.getState);
}

/** What a reviewer can be shown of a command: the plain text, or the outcome of opening its envelope. */
export type CommandReading = { state: "plain" } | { state: "decrypting" } | Opened;

/**
 * Read a command: plain commands at once, encrypted ones decrypted with this
 * browser's key (asynchronously, cached per command id).
 */
export function useCommandReading(command: CommandView): CommandReading {
  const keyring = useKeyring();
  const keyState = useSyncExternalStore(keyring.subscribe, keyring.getState);
  const [, settled] = useReducer((n: number) => n + 1, 0);
  const envelope = command.encrypted ?? null;
  const id = command.id;

  useEffect(() => {
    if (!envelope || keyState.status === "loading" || keyring.peek(id)) return;
    let live = true;
    void keyring.open(id, envelope).then(() => live && settled());
    return () => {
      live = false;
    };
  }, [keyring, keyState, id, envelope]);

  if (!envelope) return { state: "plain" };
  return keyring.peek(id) ?? { state: "decrypting" };
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
      return "Could not decrypt: the envelope uses an encoding or algorithm this app does not know.";
  }
}
