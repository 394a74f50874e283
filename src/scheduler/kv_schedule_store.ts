import type { AtomicKv } from "../kv/atomic_kv.ts";
import { ScheduleVersionError } from "./schedule_error.ts";
import type { ScheduleEntry, ScheduleEntryInput } from "./schedule_entry.ts";
import type { ScheduleRun, ScheduleStore, UpsertOptions } from "./schedule_store.ts";

/** Key prefix of schedule entries in an {@link AtomicKv}. */
export const SCHEDULE_ENTRY_PREFIX = "schedule:entry:";
/** Key prefix of dispatch claims (value: the owner; TTL: the lease). */
export const SCHEDULE_CLAIM_PREFIX = "schedule:claim:";

const PAGE = 500;
const MAX_RACES = 16;

/**
 * The {@link ScheduleStore} written once over `AtomicKv`, so every adapter has one: an entry is a
 * JSON value replaced by compare-and-set, a claim is a set-if-absent key with the lease as TTL.
 * Finding due entries scans the entries (fine for the hundreds of entries schedules have; an
 * adapter can bring an indexed store).
 *
 * @example
 * ```ts
 * import { KvScheduleStore } from "./kv_schedule_store.ts";
 * import { InMemoryKv } from "../../adapters/memory/memory_kv.ts";
 * const store = new KvScheduleStore(new InMemoryKv());
 * await store.upsert({ id: "nightly", task: "reports.build", spec: "0 3 * * *" }, { nextRunAt: 0 });
 * ```
 */
export class KvScheduleStore implements ScheduleStore {
  readonly #kv: AtomicKv;

  /** Stores entries in `kv`. */
  constructor(kv: AtomicKv) {
    this.#kv = kv;
  }

  /** Creates or replaces an entry, keeping its history; refuses a stale `expectedVersion`. */
  async upsert(input: ScheduleEntryInput, options: UpsertOptions = {}): Promise<ScheduleEntry> {
    const key = SCHEDULE_ENTRY_PREFIX + input.id;
    for (let round = 0; round < MAX_RACES; round++) {
      const raw = await this.#kv.get(key);
      const current = parse(raw);
      const version = current?.version ?? 0;
      if (options.expectedVersion !== undefined && options.expectedVersion !== version) {
        throw new ScheduleVersionError(input.id, options.expectedVersion, version);
      }
      const entry: ScheduleEntry = {
        ...input,
        version: version + 1,
        nextRunAt: options.nextRunAt !== undefined ? options.nextRunAt : current?.nextRunAt ?? null,
        lastRunAt: current?.lastRunAt ?? null,
        totalRunCount: current?.totalRunCount ?? 0,
        lastError: current?.lastError ?? null,
        lastErrorAt: current?.lastErrorAt ?? null,
        lastDriftMs: current?.lastDriftMs ?? null,
      };
      const text = JSON.stringify(entry);
      const written = raw === null
        ? await this.#kv.setIfAbsent(key, text)
        : await this.#kv.compareAndSet(key, raw, text);
      if (written) return entry;
    }
    throw new Error(
      `Schedule entry "${input.id}" changed on every attempt to write it; try again.`,
    );
  }

  /** One entry, or null. */
  async get(id: string): Promise<ScheduleEntry | null> {
    return parse(await this.#kv.get(SCHEDULE_ENTRY_PREFIX + id));
  }

  /** Every entry, by id. */
  async list(): Promise<ScheduleEntry[]> {
    const out: ScheduleEntry[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.#kv.list(SCHEDULE_ENTRY_PREFIX, { limit: PAGE, after });
      for (const item of page) {
        const entry = parse(item.value);
        if (entry) out.push(entry);
      }
      if (page.length < PAGE) return out;
      after = page[page.length - 1].key;
    }
  }

  /** Deletes an entry and its claim. */
  async remove(id: string): Promise<boolean> {
    const removed = await this.#kv.delete(SCHEDULE_ENTRY_PREFIX + id);
    await this.#kv.delete(SCHEDULE_CLAIM_PREFIX + id);
    return removed;
  }

  /** Claims due entries, earliest first; a claim another owner holds is skipped. */
  async claimDue(
    now: number,
    limit: number,
    owner: string,
    leaseMs: number,
  ): Promise<ScheduleEntry[]> {
    const due = (await this.list())
      .filter((e) => e.enabled !== false && e.nextRunAt !== null && e.nextRunAt <= now)
      .sort((a, b) => a.nextRunAt! - b.nextRunAt!);
    const claimed: ScheduleEntry[] = [];
    for (const entry of due) {
      if (claimed.length >= limit) break;
      const key = SCHEDULE_CLAIM_PREFIX + entry.id;
      if (!(await this.#kv.setIfAbsent(key, owner, { ttl: Math.max(1, leaseMs) }))) continue;
      // Read again under the claim: another Beat may have dispatched it just before.
      const fresh = await this.get(entry.id);
      if (fresh && fresh.enabled !== false && fresh.nextRunAt !== null && fresh.nextRunAt <= now) {
        claimed.push(fresh);
      } else await this.#kv.compareAndDelete(key, owner);
    }
    return claimed;
  }

  /** Records a dispatch, moves `nextRunAt` on and releases `owner`'s claim. */
  async recordRun(id: string, owner: string, run: ScheduleRun): Promise<ScheduleEntry | null> {
    const key = SCHEDULE_ENTRY_PREFIX + id;
    try {
      for (let round = 0; round < MAX_RACES; round++) {
        const raw = await this.#kv.get(key);
        const current = parse(raw);
        if (!current || raw === null) return null;
        const entry: ScheduleEntry = run.error === undefined
          ? {
            ...current,
            nextRunAt: run.nextRunAt,
            lastRunAt: run.fireAt,
            totalRunCount: current.totalRunCount + (run.count ?? 1),
            lastDriftMs: run.publishedAt - run.fireAt,
          }
          : {
            ...current,
            nextRunAt: run.nextRunAt,
            lastError: run.error,
            lastErrorAt: run.publishedAt,
          };
        // History is not a user edit: the version stays, so a user's read-modify-write still works.
        if (await this.#kv.compareAndSet(key, raw, JSON.stringify(entry))) return entry;
      }
      throw new Error(`Schedule entry "${id}" changed on every attempt to record its run.`);
    } finally {
      await this.#kv.compareAndDelete(SCHEDULE_CLAIM_PREFIX + id, owner);
    }
  }

  /** Gives `owner`'s claim back without recording a run. */
  async release(id: string, owner: string): Promise<void> {
    await this.#kv.compareAndDelete(SCHEDULE_CLAIM_PREFIX + id, owner);
  }

  /** The earliest `nextRunAt` of enabled entries. */
  async nextDue(): Promise<number | null> {
    let next: number | null = null;
    for (const e of await this.list()) {
      if (e.enabled === false || e.nextRunAt === null) continue;
      if (next === null || e.nextRunAt < next) next = e.nextRunAt;
    }
    return next;
  }
}

function parse(value: string | null): ScheduleEntry | null {
  if (value === null) return null;
  try {
    const entry = JSON.parse(value) as ScheduleEntry;
    return typeof entry?.id === "string" && typeof entry.version === "number" ? entry : null;
  } catch {
    return null;
  }
}
