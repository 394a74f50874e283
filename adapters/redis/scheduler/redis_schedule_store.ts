import { type Clock, systemClock } from "../../../src/core/clock.ts";
import { pollScheduleChanges } from "../../../src/scheduler/poll_changes.ts";
import { ScheduleVersionError } from "../../../src/scheduler/schedule_error.ts";
import type { ScheduleEntry, ScheduleEntryInput } from "../../../src/scheduler/schedule_entry.ts";
import type {
  ScheduleRun,
  ScheduleStore,
  UpsertOptions,
} from "../../../src/scheduler/schedule_store.ts";
import { scripts } from "../_scripts.ts";
import type { RedisReply, RedisTransport } from "../transport.ts";

/** Options of {@link RedisScheduleStore}. */
export interface RedisScheduleStoreOptions {
  /** Key prefix. @default "stem" */
  namespace?: string;
  /** Time source of claim leases. @default systemClock */
  clock?: Clock;
  /**
   * Over HTTP (no pub/sub), poll the due index this often, ms, so Beat sees other processes'
   * changes sooner than its `maxSleepMs`. Off by default: every poll is a billed command.
   */
  pollChangesMs?: number;
}

const FIELDS = ["i", "v", "n", "r", "t", "e", "ea", "d"] as const;

const num = (v: RedisReply | undefined): number | null =>
  v === null || v === undefined || v === "" ? null : Number(v);

function entry(fields: RedisReply[]): ScheduleEntry | null {
  const [input, version, next, lastRun, count, error, errorAt, drift] = fields;
  if (typeof input !== "string") return null;
  return {
    ...(JSON.parse(input) as ScheduleEntryInput),
    version: Number(version),
    nextRunAt: num(next),
    lastRunAt: num(lastRun),
    totalRunCount: num(count) ?? 0,
    lastError: typeof error === "string" ? error : null,
    lastErrorAt: num(errorAt),
    lastDriftMs: num(drift),
  };
}

/**
 * `ScheduleStore` on Redis: one hash holds every entry (`i:<id>` the input JSON, the version,
 * history and claim in fields beside it) and a sorted set scored by the next fire is the due
 * index, both under the `{schedules}` hash tag. Upserts, claims and recorded runs are single
 * Lua scripts; `nextDue` is one `ZRANGE`. Upserts and removes publish on a channel, so Beats on
 * TCP wake at once; over HTTP (no pub/sub) there is no `watchChanges` unless `pollChangesMs` is
 * set, and Beat's `maxSleepMs` bounds how late a change is seen.
 */
export class RedisScheduleStore implements ScheduleStore {
  readonly #t: RedisTransport;
  readonly #clock: Clock;
  readonly #options: RedisScheduleStoreOptions;
  readonly #hash: string;
  readonly #due: string;
  readonly #channel: string;
  /** Present over TCP (pub/sub) or with `pollChangesMs`; see the class notes. */
  readonly watchChanges?: (listener: () => void) => Promise<() => Promise<void>>;

  /** Wraps a transport (not closed by this store). */
  constructor(transport: RedisTransport, options: RedisScheduleStoreOptions = {}) {
    this.#t = transport;
    this.#clock = options.clock ?? systemClock;
    this.#options = options;
    const ns = options.namespace ?? "stem";
    this.#hash = `${ns}:{schedules}:entries`;
    this.#due = `${ns}:{schedules}:due`;
    this.#channel = `${ns}:schedules:changed`;
    if (transport.kind === "tcp" || options.pollChangesMs !== undefined) {
      this.watchChanges = (listener) => this.#watch(listener);
    }
  }

  /** Creates or replaces an entry, keeping its history; refuses a stale `expectedVersion`. */
  async upsert(input: ScheduleEntryInput, options: UpsertOptions = {}): Promise<ScheduleEntry> {
    const next = options.nextRunAt === undefined ? "keep" : String(options.nextRunAt ?? "");
    const reply = await this.#t.script(scripts.schedUpsert, [this.#hash, this.#due], [
      input.id,
      JSON.stringify(input),
      input.enabled === false ? "0" : "1",
      options.expectedVersion === undefined ? "" : String(options.expectedVersion),
      next,
      this.#channel,
    ]) as RedisReply[];
    if (Number(reply[0]) !== 1) {
      throw new ScheduleVersionError(input.id, options.expectedVersion!, Number(reply[1]));
    }
    return entry(reply[1] as RedisReply[])!;
  }

  /** One entry, or null. */
  async get(id: string): Promise<ScheduleEntry | null> {
    const reply = await this.#t.command(["HMGET", this.#hash, ...FIELDS.map((f) => `${f}:${id}`)]);
    return entry(reply as RedisReply[]);
  }

  /** Every entry, by id. */
  async list(): Promise<ScheduleEntry[]> {
    const flat = await this.#t.command(["HGETALL", this.#hash]) as RedisReply[];
    const byId = new Map<string, Record<string, RedisReply>>();
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const field = String(flat[i]);
      const cut = field.indexOf(":");
      const id = field.slice(cut + 1);
      const fields = byId.get(id) ?? {};
      fields[field.slice(0, cut)] = flat[i + 1];
      byId.set(id, fields);
    }
    const out: ScheduleEntry[] = [];
    for (const id of [...byId.keys()].sort()) {
      const fields = byId.get(id)!;
      const parsed = entry(FIELDS.map((f) => fields[f] ?? null));
      if (parsed) out.push(parsed);
    }
    return out;
  }

  /** Deletes an entry and its claim. */
  async remove(id: string): Promise<boolean> {
    const reply = await this.#t.script(scripts.schedRemove, [this.#hash, this.#due], [
      id,
      this.#channel,
    ]);
    return Number(reply) === 1;
  }

  /** Claims due entries in one script, earliest first; claims another owner holds are skipped. */
  async claimDue(
    now: number,
    limit: number,
    owner: string,
    leaseMs: number,
  ): Promise<ScheduleEntry[]> {
    const at = this.#clock.now();
    const reply = await this.#t.script(scripts.schedClaim, [this.#hash, this.#due], [
      String(now),
      String(limit),
      owner,
      String(at + Math.max(1, leaseMs)),
      String(at),
    ]) as RedisReply[];
    const out: ScheduleEntry[] = [];
    for (const item of reply) {
      const parsed = entry((item as RedisReply[])[1] as RedisReply[]);
      if (parsed) out.push(parsed);
    }
    return out;
  }

  /** Records a dispatch, moves `nextRunAt` on and releases `owner`'s claim. */
  async recordRun(id: string, owner: string, run: ScheduleRun): Promise<ScheduleEntry | null> {
    const reply = await this.#t.script(scripts.schedRecord, [this.#hash, this.#due], [
      id,
      owner,
      run.nextRunAt === null ? "" : String(run.nextRunAt),
      run.error === undefined ? "0" : "1",
      run.error ?? "",
      String(run.fireAt),
      String(run.count ?? 1),
      String(run.publishedAt - run.fireAt),
      String(run.publishedAt),
    ]);
    return Array.isArray(reply) ? entry(reply) : null;
  }

  /** Gives `owner`'s claim back without recording a run. */
  async release(id: string, owner: string): Promise<void> {
    await this.#t.script(scripts.schedRelease, [this.#hash], [id, owner]);
  }

  /** The earliest `nextRunAt` of enabled entries (one read of the due index). */
  async nextDue(): Promise<number | null> {
    const reply = await this.#t.command(["ZRANGE", this.#due, "0", "0", "WITHSCORES"]);
    return Array.isArray(reply) && reply.length >= 2 ? Number(reply[1]) : null;
  }

  /** Wakes `listener` on other processes' upserts and removes (pub/sub; polling over HTTP). */
  async #watch(listener: () => void): Promise<() => Promise<void>> {
    const unsubscribe = await this.#t.subscribe(this.#channel, () => listener());
    if (unsubscribe) return unsubscribe;
    const every = this.#options.pollChangesMs ?? 5_000;
    return await pollScheduleChanges(() => this.nextDue(), this.#clock, every, listener);
  }
}
