import { toMillis } from "../../../src/core/duration.ts";
import {
  type AtomicKv,
  type AtomicKvCapabilities,
  DEFAULT_KV_LIST_LIMIT,
  type KvEntry,
  type KvListOptions,
  type KvWriteOptions,
} from "../../../src/kv/atomic_kv.ts";
import { KvValueError } from "../../../src/kv/kv_value_error.ts";
import { scripts } from "../_scripts.ts";
import { type KvKeys, kvKeys } from "../keys.ts";
import type { RedisReply, RedisTransport } from "../transport.ts";

/**
 * {@link AtomicKv} on Redis: one string per key with a native `PX` TTL, plus a lexicographic
 * index for prefix listings. Conditional writes, deletes and increments are Lua scripts; time is
 * the server's (`TIME`), shared by every process. All keys share the `{kv}` hash tag.
 *
 * @example
 * ```ts ignore
 * import { RedisKv } from "./redis_kv.ts";
 * const kv = new RedisKv(transport, { namespace: "stem" });
 * await kv.setIfAbsent("lock:report", "worker-1", { ttl: "30s" });
 * ```
 */
export class RedisKv implements AtomicKv {
  /** `now()` is the Redis server's clock. */
  readonly capabilities: AtomicKvCapabilities = { serverTime: true };
  readonly #transport: RedisTransport;
  readonly #keys: KvKeys;

  /** Uses `transport` (not closed by this store) under `namespace`. @default "stem" */
  constructor(transport: RedisTransport, options: { namespace?: string } = {}) {
    this.#transport = transport;
    this.#keys = kvKeys(options.namespace ?? "stem");
  }

  /** Reads a live value. */
  async get(key: string): Promise<string | null> {
    const reply = await this.#transport.command(["GET", this.#keys.value(key)]);
    return typeof reply === "string" ? reply : null;
  }

  /** Writes unconditionally. */
  async set(key: string, value: string, options: KvWriteOptions = {}): Promise<void> {
    await this.#write("set", key, value, options);
  }

  /** Writes when the key is absent. */
  setIfAbsent(key: string, value: string, options: KvWriteOptions = {}): Promise<boolean> {
    return this.#write("nx", key, value, options);
  }

  /** Writes when the current value equals `expected`. */
  compareAndSet(
    key: string,
    expected: string,
    value: string,
    options: KvWriteOptions = {},
  ): Promise<boolean> {
    return this.#write("cas", key, value, options, expected);
  }

  /** Deletes when the current value equals `expected`. */
  async compareAndDelete(key: string, expected: string): Promise<boolean> {
    return Number(await this.#script(scripts.kvDelete, key, ["cad", key, expected])) === 1;
  }

  /** Deletes a key. */
  async delete(key: string): Promise<boolean> {
    return Number(await this.#script(scripts.kvDelete, key, ["del", key])) === 1;
  }

  /** Adds `by`; the TTL applies only when this call creates the key. */
  async increment(key: string, by = 1, options: KvWriteOptions = {}): Promise<number> {
    if (!Number.isSafeInteger(by)) {
      throw new RangeError(`increment(): "by" must be an integer, got ${by}.`);
    }
    const reply = await this.#script(scripts.kvIncrement, key, [key, String(by), ttlArg(options)]);
    if (reply === "not-integer") throw new KvValueError(key);
    return Number(reply);
  }

  /** Live entries under `prefix`, in key order (UTF-8 byte order). */
  async list(prefix: string, options: KvListOptions = {}): Promise<KvEntry[]> {
    const limit = Math.max(0, Math.trunc(options.limit ?? DEFAULT_KV_LIST_LIMIT));
    const out: KvEntry[] = [];
    const upper = successor(prefix);
    const max = upper === null ? "+" : `(${upper}`;
    let min = options.after !== undefined && options.after >= prefix
      ? `(${options.after}`
      : `[${prefix}`;
    while (out.length < limit) {
      const want = limit - out.length;
      const members = await this.#transport.command(
        ["ZRANGEBYLEX", this.#keys.index, min, max, "LIMIT", "0", String(want)],
      ) as string[];
      if (members.length === 0) break;
      const reply = await this.#transport.script(
        scripts.kvEntries,
        [this.#keys.index, this.#keys.expiry, ...members.map(this.#keys.value)],
        members,
      ) as RedisReply[];
      for (let i = 0; i < reply.length; i += 3) {
        const expiresAt = Number(reply[i + 2]);
        out.push({
          key: String(reply[i]),
          value: String(reply[i + 1]),
          expiresAt: expiresAt < 0 ? null : expiresAt,
        });
      }
      if (members.length < want) break;
      min = `(${members[members.length - 1]}`;
    }
    return out;
  }

  /** The Redis server's time, epoch ms. */
  async now(): Promise<number> {
    const [seconds, micros] = await this.#transport.command(["TIME"]) as [string, string];
    return Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000);
  }

  async #write(
    mode: "set" | "nx" | "cas",
    key: string,
    value: string,
    options: KvWriteOptions,
    expected = "",
  ): Promise<boolean> {
    const args = [mode, key, value, ttlArg(options), expected];
    return Number(await this.#script(scripts.kvWrite, key, args)) === 1;
  }

  #script(
    script: typeof scripts.kvWrite,
    key: string,
    args: string[],
  ): Promise<RedisReply> {
    const k = this.#keys;
    return this.#transport.script(script, [k.value(key), k.index, k.expiry], args);
  }
}

function ttlArg(options: KvWriteOptions): string {
  return options.ttl === undefined ? "" : String(Math.max(1, toMillis(options.ttl)));
}

/**
 * The smallest string greater than every string starting with `prefix` (code point order), or
 * null when there is none (empty prefix): the exclusive upper bound of a prefix range.
 */
function successor(prefix: string): string | null {
  const points = [...prefix];
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return points.join("") + String.fromCodePoint(next);
    }
  }
  return null;
}
