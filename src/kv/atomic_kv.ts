import type { Duration } from "../core/duration.ts";

/** One live key of an {@link AtomicKv}. */
export interface KvEntry {
  /** The full key. */
  key: string;
  /** The stored value. */
  value: string;
  /** When the key expires, epoch ms; null when it never does. */
  expiresAt: number | null;
}

/** TTL of a write; omitted means the key never expires. */
export interface KvWriteOptions {
  /** Lifetime from now. */
  ttl?: Duration;
}

/** Options of {@link AtomicKv.list}. */
export interface KvListOptions {
  /** Most entries returned. @default 1000 */
  limit?: number;
  /** Only keys after this one (exclusive): pass the last key of a page to read the next. */
  after?: string;
}

/** Default page size of {@link AtomicKv.list}. */
export const DEFAULT_KV_LIST_LIMIT = 1_000;

/** What an {@link AtomicKv} can do beyond the basics. */
export interface AtomicKvCapabilities {
  /** `now()` reads the server's clock, shared by every process. */
  serverTime: boolean;
}

/**
 * The small primitive generic stores (heartbeats, locks, revocations, rate limits) are written
 * over. Every operation is atomic on its own; values are strings (callers encode JSON); an expired
 * key reads as absent everywhere.
 */
export interface AtomicKv {
  /** What this store supports. */
  readonly capabilities: AtomicKvCapabilities;
  /** Reads a live value; null when absent or expired. */
  get(key: string): Promise<string | null>;
  /** Writes unconditionally. */
  set(key: string, value: string, options?: KvWriteOptions): Promise<void>;
  /** Writes only when the key is absent (or expired); true when it wrote. */
  setIfAbsent(key: string, value: string, options?: KvWriteOptions): Promise<boolean>;
  /** Writes only when the current value equals `expected`; true when it wrote. */
  compareAndSet(
    key: string,
    expected: string,
    value: string,
    options?: KvWriteOptions,
  ): Promise<boolean>;
  /** Deletes only when the current value equals `expected`; true when it deleted. */
  compareAndDelete(key: string, expected: string): Promise<boolean>;
  /** Deletes a key; true when a live key was removed. */
  delete(key: string): Promise<boolean>;
  /**
   * Adds `by` (an integer, default 1) to an integer value (absent counts as 0) and returns the new
   * value. The TTL is set only when the key is created, so a counter window does not slide.
   * Rejects with `KvValueError` when the stored value is not an integer.
   */
  increment(key: string, by?: number, options?: KvWriteOptions): Promise<number>;
  /**
   * Live entries whose key starts with `prefix`, in key order (by UTF-8 bytes, which is code
   * point order), at most `limit`; page on with `after`.
   */
  list(prefix: string, options?: KvListOptions): Promise<KvEntry[]>;
  /** The store's notion of now, epoch ms (the server clock where `capabilities.serverTime`). */
  now(): Promise<number>;
}
