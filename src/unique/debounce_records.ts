import type { AtomicKv } from "../kv/atomic_kv.ts";

/** How long a debounce record outlives its window, so the run it admits finds it. */
const RECORD_GRACE_MS = 5 * 60_000;

/** One debounced key's state: who owns it, its latest version, and whether it started. */
interface DebounceRecord {
  owner: string;
  version: number;
  state: "pending" | "running" | "done";
}

/** Where an enqueue landed: a new or bumped pending copy, or a run already under way. */
export type Placement =
  | { state: "pending"; owner: string; version: number; raw: string; previous: string | null }
  | { state: "running"; owner: string };

/**
 * The kv records behind `unique: "debounce"`. Each enqueue in the window bumps the version with a
 * compare-and-set and publishes a newer copy of the same task id; the worker runs only the copy
 * whose version is current and marks it running with another compare-and-set, so an enqueue
 * racing with the start either supersedes the copy or is deduplicated against the run.
 */
export class DebounceRecords {
  readonly #kv: AtomicKv;
  readonly #prefix: string;

  /** Records under `prefix` in `kv`. */
  constructor(kv: AtomicKv, prefix: string) {
    this.#kv = kv;
    this.#prefix = prefix;
  }

  /** Places an enqueue of task `id` (its window `windowMs`) under `key`. */
  async place(key: string, id: string, windowMs: number): Promise<Placement> {
    const k = this.#prefix + key;
    const ttl = windowMs + RECORD_GRACE_MS;
    for (let attempt = 0; attempt < 8; attempt++) {
      const raw = await this.#kv.get(k);
      const current = raw === null ? null : parse(raw);
      if (raw === null || current === null || current.state === "done") {
        const fresh = JSON.stringify({ owner: id, version: 1, state: "pending" });
        const wrote = raw === null
          ? await this.#kv.setIfAbsent(k, fresh, { ttl })
          : await this.#kv.compareAndSet(k, raw, fresh, { ttl });
        if (wrote) return { state: "pending", owner: id, version: 1, raw: fresh, previous: raw };
        continue;
      }
      if (current.state === "running") return { state: "running", owner: current.owner };
      const bumped = JSON.stringify({ ...current, version: current.version + 1 });
      if (await this.#kv.compareAndSet(k, raw, bumped, { ttl })) {
        return {
          state: "pending",
          owner: current.owner,
          version: current.version + 1,
          raw: bumped,
          previous: raw,
        };
      }
    }
    throw new Error(`Debounce key "${key}" kept changing; try the enqueue again.`);
  }

  /** Undoes a placement whose copy could not be published (when nothing changed since). */
  async undo(key: string, placed: Placement, windowMs: number): Promise<void> {
    if (placed.state !== "pending") return;
    const k = this.#prefix + key;
    if (placed.previous === null) await this.#kv.compareAndDelete(k, placed.raw);
    else {
      const ttl = windowMs + RECORD_GRACE_MS;
      await this.#kv.compareAndSet(k, placed.raw, placed.previous, { ttl });
    }
  }

  /**
   * Whether copy `version` of task `id` should run (and marks it running), is superseded, or has
   * no record (`"unknown"`: the task finished and a later copy found the record gone, or the
   * record expired; the caller decides by the task's status).
   */
  async start(key: string, id: string, version: number): Promise<"run" | "superseded" | "unknown"> {
    const k = this.#prefix + key;
    for (let attempt = 0; attempt < 8; attempt++) {
      const raw = await this.#kv.get(k);
      const current = raw === null ? null : parse(raw);
      if (raw === null || current === null || current.owner !== id) return "unknown";
      if (version < current.version || current.state === "done") return "superseded";
      if (current.state === "running") return "run";
      const running = JSON.stringify({ ...current, state: "running" });
      if (await this.#kv.compareAndSet(k, raw, running, { ttl: RECORD_GRACE_MS })) return "run";
    }
    return "run";
  }

  /**
   * Marks the record of task `id` done once it ended: the next enqueue starts a new window, and an
   * outdated copy of the task consumed later finds it done and is superseded.
   */
  async finish(key: string, id: string): Promise<void> {
    const k = this.#prefix + key;
    const raw = await this.#kv.get(k);
    const current = raw === null ? null : parse(raw);
    if (raw === null || current?.owner !== id) return;
    const done = JSON.stringify({ ...current, state: "done" });
    await this.#kv.compareAndSet(k, raw, done, { ttl: RECORD_GRACE_MS });
  }
}

function parse(raw: string): DebounceRecord | null {
  try {
    const value = JSON.parse(raw) as Partial<DebounceRecord>;
    if (typeof value.owner !== "string" || typeof value.version !== "number") return null;
    const state = value.state === "running" || value.state === "done" ? value.state : "pending";
    return { owner: value.owner, version: value.version, state };
  } catch {
    return null;
  }
}
