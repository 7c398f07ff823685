import { createContext, use, useEffect, useReducer, useSyncExternalStore, type ReactNode } from "react";
import type { CommandView } from "../api";
import { useReviewerId } from "../auth/session";
import { BrowserKeyring, type KeyringState } from "./keyring";
import { indexedDbKeyStore } from "./keyStore";
import type { CommandReading } from "./reading";

const KeyringContext = createContext<BrowserKeyring | null>(null);

let browserKeyring: BrowserKeyring | null = null;

/** The app's keyring, kept in IndexedDB; made on first use. */
function defaultKeyring(): BrowserKeyring {
  browserKeyring ??= new BrowserKeyring(indexedDbKeyStore());
  return browserKeyring;
}

const LOADING: KeyringState = { status: "loading" };
const loading = () => LOADING;
const ignore = () => () => undefined;

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

/**
 * Read a command: plain commands at once, encrypted ones decrypted with this
 * browser's key (asynchronously, cached per command id). `null` (nothing
 * loaded yet) reads as plain.
 */
export function useCommandReading(command: CommandView | null): CommandReading {
  const keyring = useKeyring();
  const reviewerId = useReviewerId();
  const envelope = command?.encrypted ?? null;
  // A plain command never touches the keyring (nor waits for IndexedDB).
  const keyState = useSyncExternalStore(envelope ? keyring.subscribe : ignore, envelope ? keyring.getState : loading);
  const [, settled] = useReducer((n: number) => n + 1, 0);
  const id = command?.id ?? "";

  useEffect(() => {
    if (!envelope || keyState.status === "loading" || keyring.peek(id, reviewerId)) return;
    let live = true;
    void keyring.open(id, envelope, reviewerId).then(() => live && settled());
    return () => {
      live = false;
    };
  }, [keyring, keyState, id, envelope, reviewerId]);

  if (!envelope) return { state: "plain" };
  return keyring.peek(id, reviewerId) ?? { state: "decrypting" };
}
