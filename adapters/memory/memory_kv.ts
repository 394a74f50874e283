import { type Clock, systemClock } from "../../src/core/clock.ts";
import { toMillis } from "../../src/core/duration.ts";
import {
  type AtomicKv,
  type AtomicKvCapabilities,
  DEFAULT_KV_LIST_LIMIT,
  type KvEntry,
  type KvListOptions,
  type KvWriteOptions,
} from "../../src/kv/atomic_kv.ts";
import { KvValueError } from "../../src/kv/kv_value_error.ts";

interface Slot {
  value: string;
  expiresAt: number | null;
}

const INTEGER = /^-?\d+$/;

/**
 * The in-process reference {@link AtomicKv}. Expiry follows the injected clock, so a
 * `FakeClock` drives TTLs in tests; expired keys are dropped when touched.
 *
 * @example
 * ```ts
 * import { InMemoryKv } from "./memory_kv.ts";
 * const kv = new InMemoryKv();
 * await kv.setIfAbsent("lock:a", "me", { ttl: "30s" }); // true
 * ```
 */
export class InMemoryKv implements AtomicKv {
  /** `now()` is this process's clock, not shared with other processes. */
  readonly capabilities: AtomicKvCapabilities = { serverTime: false };
  readonly #slots = new Map<string, Slot>();
  readonly #clock: Clock;
  #writes = 0;

  /** Creates an empty store on `clock`. @default systemClock */
  constructor(options: { clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  /** Reads a live value. */
  get(key: string): Promise<string | null> {
    return Promise.resolve(this.#live(key)?.value ?? null);
  }

  /** Writes unconditionally. */
  set(key: string, value: string, options: KvWriteOptions = {}): Promise<void> {
    this.#write(key, value, options);
    return Promise.resolve();
  }

  /** Writes when the key is absent. */
  setIfAbsent(key: string, value: string, options: KvWriteOptions = {}): Promise<boolean> {
    if (this.#live(key)) return Promise.resolve(false);
    this.#write(key, value, options);
    return Promise.resolve(true);
  }

  /** Writes when the current value equals `expected`. */
  compareAndSet(
    key: string,
    expected: string,
    value: string,
    options: KvWriteOptions = {},
  ): Promise<boolean> {
    if (this.#live(key)?.value !== expected) return Promise.resolve(false);
    this.#write(key, value, options);
    return Promise.resolve(true);
  }

  /** Deletes when the current value equals `expected`. */
  compareAndDelete(key: string, expected: string): Promise<boolean> {
    if (this.#live(key)?.value !== expected) return Promise.resolve(false);
    this.#slots.delete(key);
    return Promise.resolve(true);
  }

  /** Deletes a key. */
  delete(key: string): Promise<boolean> {
    const existed = this.#live(key) !== undefined;
    this.#slots.delete(key);
    return Promise.resolve(existed);
  }

  /** Adds `by`; the TTL applies only when this call creates the key. */
  increment(key: string, by = 1, options: KvWriteOptions = {}): Promise<number> {
    if (!Number.isSafeInteger(by)) {
      return Promise.reject(new RangeError(`increment(): "by" must be an integer, got ${by}.`));
    }
    const slot = this.#live(key);
    if (slot && !INTEGER.test(slot.value)) return Promise.reject(new KvValueError(key));
    const next = (slot ? Number(slot.value) : 0) + by;
    if (slot) slot.value = String(next);
    else this.#write(key, String(next), options);
    return Promise.resolve(next);
  }

  /** Live entries under `prefix`, in key order. */
  list(prefix: string, options: KvListOptions = {}): Promise<KvEntry[]> {
    const limit = Math.max(0, Math.trunc(options.limit ?? DEFAULT_KV_LIST_LIMIT));
    const keys = [...this.#slots.keys()]
      .filter((k) =>
        k.startsWith(prefix) && (options.after === undefined || byCodePoint(k, options.after) > 0)
      )
      .sort(byCodePoint);
    const out: KvEntry[] = [];
    for (const key of keys) {
      if (out.length >= limit) break;
      const slot = this.#live(key);
      if (slot) out.push({ key, value: slot.value, expiresAt: slot.expiresAt });
    }
    return Promise.resolve(out);
  }

  /** The injected clock's time. */
  now(): Promise<number> {
    return Promise.resolve(this.#clock.now());
  }

  #write(key: string, value: string, options: KvWriteOptions): void {
    const ttl = options.ttl === undefined ? null : Math.max(1, toMillis(options.ttl));
    this.#slots.set(key, { value, expiresAt: ttl === null ? null : this.#clock.now() + ttl });
    // Keys nobody reads again (old rate-limit windows) would stay forever without a sweep.
    if (++this.#writes % 1_000 === 0) this.#sweep();
  }

  #sweep(): void {
    const now = this.#clock.now();
    for (const [key, slot] of this.#slots) {
      if (slot.expiresAt !== null && slot.expiresAt <= now) this.#slots.delete(key);
    }
  }

  #live(key: string): Slot | undefined {
    const slot = this.#slots.get(key);
    if (slot && slot.expiresAt !== null && slot.expiresAt <= this.#clock.now()) {
      this.#slots.delete(key);
      return undefined;
    }
    return slot;
  }
}

/** Code point order, the order Redis and SQL (`COLLATE "C"`, BLOB) give UTF-8 keys. */
function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
