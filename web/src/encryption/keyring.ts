/**
 * This browser's key and the commands opened with it, as an external store
 * React reads with `useSyncExternalStore` (see `KeyringProvider.tsx`).
 *
 * Opened commands are cached per command id for the current key, so a card
 * that re-renders or re-mounts does not decrypt again; a new or forgotten key
 * empties the cache.
 */
import type { EncryptedEnvelope } from "../api";
import { openEnvelope, type Opened } from "./envelope";
import { exportPublicKey, generateKeyPair } from "./keyPair";
import { registerKey, revokeKey } from "./keysApi";
import type { KeyStore, StoredKey } from "./keyStore";

export type KeyringState =
  | { status: "loading" }
  | { status: "ready"; key: StoredKey | null }
  /** The store could not be read: this browser can hold no key (reason for the reviewer). */
  | { status: "unavailable"; message: string; key: null };

const MAX_CACHED = 500;

export class BrowserKeyring {
  private state: KeyringState = { status: "loading" };
  private readonly listeners = new Set<() => void>();
  private loading: Promise<void> | null = null;
  private readonly opening = new Map<string, Promise<Opened>>();
  private readonly opened = new Map<string, Opened>();

  constructor(private readonly store: KeyStore) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    void this.load();
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): KeyringState => this.state;

  /** Read the stored key once; later calls share the first read. */
  load(): Promise<void> {
    this.loading ??= this.store.load().then(
      (key) => this.set({ status: "ready", key }),
      (error: unknown) => this.set({ status: "unavailable", message: messageOf(error), key: null }),
    );
    return this.loading;
  }

  /**
   * Make a key pair here, register its public half, keep the pair. If the
   * pair cannot be kept, the just-registered key is revoked again so no agent
   * encrypts for a key nobody holds.
   */
  async create(label: string | null, reviewerId: string): Promise<StoredKey> {
    const pair = await generateKeyPair();
    const view = await registerKey(await exportPublicKey(pair.publicKey), label);
    const key: StoredKey = {
      keyId: view.id,
      privateKey: pair.privateKey,
      publicKey: pair.publicKey,
      fingerprint: view.fingerprint,
      label: view.label ?? null,
      reviewerId,
      createdAt: view.created_at,
    };
    try {
      await this.store.save(key);
    } catch (error) {
      await revokeKey(view.id).catch(() => undefined);
      throw error;
    }
    this.set({ status: "ready", key });
    return key;
  }

  /** Drop the key from this browser (after revoking it, or when the server no longer lists it). */
  async forget(): Promise<void> {
    await this.store.clear();
    this.set({ status: "ready", key: null });
  }

  /**
   * Open a command's envelope with the current key; cached per command id.
   * The key is used only for the reviewer who made it here: on a browser
   * shared by two reviewers, one cannot read with the other's key.
   */
  async open(commandId: string, envelope: EncryptedEnvelope, reviewerId: string | null): Promise<Opened> {
    await this.load();
    const key = this.keyFor(reviewerId);
    const cacheKey = this.cacheKey(commandId, reviewerId);
    let pending = this.opening.get(cacheKey);
    if (!pending) {
      pending = openEnvelope(envelope, key && { keyId: key.keyId, privateKey: key.privateKey });
      this.opening.set(cacheKey, pending);
      void pending.then((opened) => {
        if (this.opening.get(cacheKey) !== pending) return; // the key changed meanwhile
        this.opened.set(cacheKey, opened);
        this.trim();
      });
    }
    return pending;
  }

  /** The settled result for this command, reviewer and the current key, if there is one yet. */
  peek(commandId: string, reviewerId: string | null): Opened | undefined {
    return this.state.status === "loading" ? undefined : this.opened.get(this.cacheKey(commandId, reviewerId));
  }

  private keyFor(reviewerId: string | null): StoredKey | null {
    const key = this.state.status === "loading" ? null : this.state.key;
    return key !== null && key.reviewerId === reviewerId ? key : null;
  }

  private cacheKey(commandId: string, reviewerId: string | null): string {
    return `${this.keyFor(reviewerId)?.keyId ?? ""}\u0000${commandId}`;
  }

  private trim(): void {
    for (const oldest of this.opened.keys()) {
      if (this.opened.size <= MAX_CACHED) break;
      this.opened.delete(oldest);
      this.opening.delete(oldest);
    }
  }

  private set(state: KeyringState): void {
    this.state = state;
    this.opening.clear();
    this.opened.clear();
    for (const listener of this.listeners) listener();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
