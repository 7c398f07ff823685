/**
 * Where this browser keeps its key: IndexedDB, because CryptoKey objects are
 * structured-cloneable there while staying non-extractable. Never
 * localStorage. Behind a small interface so tests can use a Map.
 */

/** What is kept for this browser's key. */
export interface StoredKey {
  /** The server's id for the key (`KeyView.id`), what envelopes name as `key_id`. */
  keyId: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  fingerprint: string;
  label: string | null;
  /** The reviewer who registered it from this browser. */
  reviewerId: string;
  createdAt: string;
}

export interface KeyStore {
  load(): Promise<StoredKey | null>;
  save(key: StoredKey): Promise<void>;
  clear(): Promise<void>;
}

/** A KeyStore in memory: for tests, and the stand-in when IndexedDB is missing. */
export function memoryKeyStore(initial: StoredKey | null = null): KeyStore {
  const map = new Map<string, StoredKey>();
  if (initial) map.set(RECORD, initial);
  return {
    load: () => Promise.resolve(map.get(RECORD) ?? null),
    save: (key) => {
      map.set(RECORD, key);
      return Promise.resolve();
    },
    clear: () => {
      map.delete(RECORD);
      return Promise.resolve();
    },
  };
}

const DB_NAME = "expacti";
const DB_VERSION = 1;
const STORE = "keys";
const RECORD = "browser";

/** Thrown when this browser cannot keep a key (no IndexedDB, private mode, quota). */
export class KeyStorageError extends Error {
  override name = "KeyStorageError";
}

/** The browser's IndexedDB; every call opens, does one transaction, and closes. */
export function indexedDbKeyStore(factory: IDBFactory | undefined = globalThis.indexedDB): KeyStore {
  async function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const db = await open(factory);
    try {
      return await new Promise<T>((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const request = work(tx.objectStore(STORE));
        tx.oncomplete = () => resolve(request.result);
        tx.onerror = () => reject(new KeyStorageError(tx.error?.message ?? "IndexedDB transaction failed"));
        tx.onabort = () => reject(new KeyStorageError(tx.error?.message ?? "IndexedDB transaction aborted"));
      });
    } finally {
      db.close();
    }
  }
  return {
    load: async () => ((await run("readonly", (s) => s.get(RECORD))) as StoredKey | undefined) ?? null,
    save: async (key) => {
      await run("readwrite", (s) => s.put(key, RECORD));
    },
    clear: async () => {
      await run("readwrite", (s) => s.delete(RECORD));
    },
  };
}

function open(factory: IDBFactory | undefined): Promise<IDBDatabase> {
  if (!factory) return Promise.reject(new KeyStorageError("this browser has no IndexedDB to keep a key in"));
  return new Promise((resolve, reject) => {
    const request = factory.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(new KeyStorageError(request.error?.message ?? "cannot open IndexedDB"));
    request.onblocked = () => reject(new KeyStorageError("IndexedDB is blocked by another tab"));
  });
}
