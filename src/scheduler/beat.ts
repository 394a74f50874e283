import { type Clock, systemClock, type TimerHandle } from "../core/clock.ts";
import { DuplicateTaskIdError } from "../core/errors.ts";
import { uuidv7 } from "../core/ids.ts";
import { MetaKey } from "../core/meta_keys.ts";
import { type Logger, silentLogger } from "../observability/logger.ts";
import type { EnqueueRequest } from "../core/task_options.ts";
import type { Stem } from "../producer/stem.ts";
import { emitSignal, type ScheduleFire, type StemSignalSet } from "../signals/stem_signals.ts";
import { entryTiming, type FirePlan, planFires } from "./fire_plan.ts";
import { fireTaskId, type ScheduleEntry, type ScheduleEntryInput } from "./schedule_entry.ts";
import type { ScheduleStore } from "./schedule_store.ts";

/** Options of {@link Beat}. */
export interface BeatOptions {
  /** The producer fires are enqueued through (signing, middleware, statuses). */
  stem: Stem;
  /** Where entries live; every Beat on the same store shares them. */
  store: ScheduleStore;
  /** Time source. @default systemClock */
  clock?: Clock;
  /** Where dispatch failures are reported. @default silentLogger */
  logger?: Logger;
  /** Signals to emit on besides the global ones. */
  signals?: StemSignalSet;
  /** This Beat's id in claims. @default a generated one */
  id?: string;
  /**
   * How long a claimed entry stays this Beat's while it dispatches, ms: a Beat that dies holding
   * a claim delays that entry by at most this much. Short is safe: a second dispatch of the same
   * fire is refused by its derived id (and run once by the workers' filter). @default 2000
   */
  claimLeaseMs?: number;
  /**
   * Longest sleep, ms: entries changed by another process are seen within it when the store has
   * no change notifications (this Beat's own upserts wake it at once). @default 5000
   */
  maxSleepMs?: number;
  /**
   * How long before a fire the loop claims its entry, ms: the claim's round trips happen early
   * and the publish starts at the fire time itself, so lateness is one publish, not a claim plus
   * a publish. @default 100
   */
  claimLeadMs?: number;
  /** How late a fire may be and still be on time (`catchUp: "none"` drops later ones). @default 1000 */
  misfireGraceMs?: number;
  /** Random source of `jitter`. @default Math.random */
  random?: () => number;
}

/** One dispatch {@link Beat.runOnce} made. */
export interface DispatchReport {
  /** The entry. */
  entryId: string;
  /** The fire time. */
  fireAt: number;
  /** The task id (derived from entry and fire time). */
  taskId: string;
  /** `dispatched`, `duplicate` (another Beat or an earlier attempt did it) or `failed`. */
  result: "dispatched" | "duplicate" | "failed";
  /** Publish time minus fire time, ms. */
  driftMs: number;
  /** Why it failed. */
  error?: string;
}

/**
 * The scheduler: dispatches each entry's fires through the producer, exactly once per fire time
 * across any number of Beats on one store (the task id derives from entry and fire time and its
 * status is created only if absent; a fire published twice after a crash runs once, see
 * `beatDuplicateFilter`). It sleeps until the next due fire rather than polling on a tick;
 * `runOnce()` is the same step for serverless cron triggers.
 *
 * @example
 * ```ts ignore
 * const beat = new Beat({ stem: app.stem, store: app.schedules });
 * await beat.upsert({ id: "nightly", task: "reports.build", spec: { cron: "0 3 * * *" } });
 * await beat.start();
 * ```
 */
export class Beat {
  /** This Beat's owner id in claims. */
  readonly id: string;
  readonly #options: BeatOptions;
  readonly #clock: Clock;
  #running = false;
  #loop: Promise<void> | undefined;
  #timer: TimerHandle | undefined;
  #wake: (() => void) | undefined;
  /** Set by a change while a round runs, so the sleep after it is skipped. */
  #dirty = false;
  #unwatch: (() => Promise<void>) | undefined;

  /** Creates a Beat; nothing runs until {@link Beat.start} or {@link Beat.runOnce}. */
  constructor(options: BeatOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.id = options.id ?? `beat-${uuidv7().slice(-12)}`;
  }

  /** The store entries live in. */
  get store(): ScheduleStore {
    return this.#options.store;
  }

  /**
   * Validates and stores an entry (a bad spec or time zone throws `ScheduleSpecError` naming the
   * field); its next fire is computed when it is new or its timing changed. Wakes this Beat.
   */
  async upsert(
    input: ScheduleEntryInput,
    options: { expectedVersion?: number } = {},
  ): Promise<ScheduleEntry> {
    const timing = entryTiming(input);
    const current = await this.store.get(input.id);
    const changed = !current || timingKey(current) !== timingKey(input);
    const now = this.#clock.now();
    const entry = await this.store.upsert(input, {
      expectedVersion: options.expectedVersion,
      nextRunAt: changed ? timing.next(now) : undefined,
    });
    this.#poke();
    return entry;
  }

  /** Enables or disables an entry, keeping its history (re-enabled entries fire from now on). */
  async setEnabled(id: string, enabled: boolean): Promise<ScheduleEntry | null> {
    const current = await this.store.get(id);
    if (!current) return null;
    const { version: _v, nextRunAt: _n, ...input } = current;
    const nextRunAt = enabled ? entryTiming(current).next(this.#clock.now()) : current.nextRunAt;
    const entry = await this.store.upsert({ ...input, enabled }, {
      expectedVersion: current.version,
      nextRunAt,
    });
    this.#poke();
    return entry;
  }

  /** Dispatches whatever is due at `now` and returns what it did (serverless cron triggers). */
  runOnce(options: { now?: number } = {}): Promise<DispatchReport[]> {
    return this.#dispatchDue(options.now ?? this.#clock.now(), false);
  }

  /**
   * Claims entries due by `horizon` and dispatches them, entries in parallel. With `wait`, each
   * waits for its own fire time first (the loop claims ahead of time); without, `horizon` is
   * "now" for the fire plan (runOnce).
   */
  async #dispatchDue(horizon: number, wait: boolean): Promise<DispatchReport[]> {
    const lease = (this.#options.claimLeaseMs ?? 2_000) + Math.max(0, horizon - this.#clock.now());
    const reports: DispatchReport[] = [];
    // Each entry once per call: a failed fire stays due (it is retried on the next call).
    const seen = new Set<string>();
    for (;;) {
      const claimed = await this.store.claimDue(horizon, 50, this.id, lease);
      const fresh = claimed.filter((entry) => !seen.has(entry.id));
      for (const entry of claimed) {
        if (seen.has(entry.id)) await this.store.release(entry.id, this.id);
      }
      if (fresh.length === 0) return reports;
      for (const entry of fresh) seen.add(entry.id);
      const done = await Promise.all(fresh.map(async (entry) => {
        const fireAt = entry.nextRunAt ?? horizon;
        if (!wait || fireAt <= this.#clock.now()) {
          return await this.#dispatchEntry(entry, wait ? this.#clock.now() : horizon);
        }
        // Claimed ahead: plan and reserve the fire now, so only the publish is left for its time.
        // Planned as of the fire time: it was claimed on time, whatever the publish costs.
        let plan: FirePlan;
        try {
          plan = planFires(entry, fireAt, this.#options.misfireGraceMs ?? 1_000);
        } catch {
          return await this.#dispatchEntry(entry, fireAt); // records the unreadable spec
        }
        const fire = this.#fire(entry, fireAt);
        const reserved = await this.#reserve(fire);
        if (!(await this.#until(fireAt))) {
          await this.store.release(entry.id, this.id); // stopped before the fire: not ours now
          return [];
        }
        return await this.#dispatchEntry(entry, fireAt, reserved ? fire : undefined, plan);
      }));
      for (const list of done) reports.push(...list);
    }
  }

  /**
   * Resolves true at `at` on the clock (timers fire late or a millisecond early, so it re-arms),
   * false when the Beat stops first.
   */
  async #until(at: number): Promise<boolean> {
    for (;;) {
      if (!this.#running) return false;
      const left = at - this.#clock.now();
      if (left <= 0) return true;
      await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, left));
    }
  }

  /**
   * Starts the loop: dispatch what is due, sleep until the next fire, repeat. Resolves once the
   * store's change notifications (if it has them) are active.
   */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const logger = this.#options.logger ?? silentLogger;
    this.#unwatch = await this.store.watchChanges?.(() => this.#poke()).catch((error) => {
      logger.warn("Beat cannot watch its schedule for changes; it polls", { beat: this.id, error });
      return undefined;
    });
    this.#loop = this.#run();
  }

  #poke(): void {
    this.#dirty = true;
    this.#wake?.();
  }

  /** Stops the loop after the dispatch in progress, if any. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const logger = this.#options.logger ?? silentLogger;
    const maxSleep = this.#options.maxSleepMs ?? 5_000;
    const lead = this.#options.claimLeadMs ?? 100;
    try {
      while (this.#running) {
        this.#dirty = false;
        let delay = maxSleep;
        try {
          const reports = await this.#dispatchDue(this.#clock.now() + lead, true);
          const next = await this.store.nextDue();
          const now = this.#clock.now();
          if (next === null) delay = maxSleep;
          else if (next <= now) {
            // Due but claimed by another Beat (or failing): look again shortly, not in a hot loop.
            delay = reports.some((r) => r.result === "failed") ? 1_000 : 100;
          } else if (next - now <= lead) {
            // Claimed by another Beat ahead of its fire (or new since the claim): look at the fire.
            delay = next - now;
          } else delay = Math.min(maxSleep, next - lead - now);
        } catch (error) {
          logger.warn("Beat could not read its schedule; retrying", { beat: this.id, error });
          delay = 1_000;
        }
        if (!this.#running) return;
        if (this.#dirty) continue; // changed while this round ran: look again now
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          this.#timer = this.#clock.setTimeout(resolve, delay);
        });
        if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
        this.#timer = undefined;
        this.#wake = undefined;
      }
    } finally {
      const unwatch = this.#unwatch;
      this.#unwatch = undefined;
      await unwatch?.().catch(() => {});
    }
  }

  async #dispatchEntry(
    entry: ScheduleEntry,
    now: number,
    reserved?: PreparedFire,
    planned?: FirePlan,
  ): Promise<DispatchReport[]> {
    const grace = this.#options.misfireGraceMs ?? 1_000;
    let plan;
    try {
      plan = planned ?? planFires(entry, now, grace);
    } catch (error) {
      // An entry stored by another tool with a spec this version cannot read: record, do not loop.
      const message = (error as Error).message;
      await this.store.recordRun(entry.id, this.id, {
        fireAt: entry.nextRunAt ?? now,
        publishedAt: this.#clock.now(),
        nextRunAt: null,
        error: message,
      });
      return [];
    }
    const reports: DispatchReport[] = [];
    for (const fireAt of plan.fires) {
      const fire = reserved?.fireAt === fireAt ? reserved : this.#fire(entry, fireAt);
      const report = await this.#dispatch(fire, fire === reserved);
      reports.push(report);
      if (report.result === "failed") {
        // Retried from this fire on the next tick.
        await this.store.recordRun(entry.id, this.id, {
          fireAt,
          publishedAt: this.#clock.now(),
          nextRunAt: fireAt,
          error: report.error,
        });
        return reports;
      }
    }
    const last = reports.at(-1);
    await this.store.recordRun(entry.id, this.id, {
      fireAt: last?.fireAt ?? entry.nextRunAt ?? now,
      publishedAt: last ? last.fireAt + last.driftMs : this.#clock.now(),
      nextRunAt: plan.nextRunAt,
      count: reports.length,
    });
    return reports;
  }

  /** One fire's task id, signal payload and enqueue request (a fresh nonce per publish). */
  #fire(entry: ScheduleEntry, fireAt: number): PreparedFire {
    const taskId = fireTaskId(entry.id, fireAt);
    const jitter = entry.jitter
      ? Math.floor((this.#options.random ?? Math.random)() * entry.jitter)
      : 0;
    return {
      entry,
      fireAt,
      signal: { entryId: entry.id, task: entry.task, fireAt, taskId },
      request: () => ({
        args: entry.args ?? {},
        headers: entry.headers,
        meta: {
          ...entry.meta,
          [MetaKey.beatEntry]: entry.id,
          [MetaKey.beatFireAt]: fireAt,
          [MetaKey.beatNonce]: crypto.randomUUID(),
        },
        options: entry.queue ? { queue: entry.queue } : undefined,
        enqueueOptions: { taskId, ...(jitter ? { countdown: jitter } : {}) },
      }),
    };
  }

  /**
   * Records the fire's `queued` status ahead of its time, so publishing it then is one round
   * trip. False when it cannot (the id exists: another Beat, or an attempt that crashed; or the
   * request is invalid): the dispatch then takes the full path and reports what happened.
   */
  async #reserve(fire: PreparedFire): Promise<boolean> {
    try {
      await this.#options.stem.reserve(fire.entry.task, fire.request());
      return true;
    } catch {
      return false;
    }
  }

  async #dispatch(fire: PreparedFire, reserved: boolean): Promise<DispatchReport> {
    const { stem, signals } = this.#options;
    const { entry, fireAt, signal } = fire;
    const taskId = signal.taskId;
    emitSignal(signals, "scheduleEntryDue", signal);
    let duplicate = false;
    try {
      if (reserved) {
        // This Beat recorded `queued` itself: the publish is expected to find it.
        await stem.enqueue(entry.task, fire.request(), { republish: true });
      } else {
        try {
          await stem.enqueue(entry.task, fire.request());
        } catch (error) {
          if (!(error instanceof DuplicateTaskIdError)) throw error;
          duplicate = true;
          // Another Beat, or an attempt that crashed after recording `queued`: if it may not
          // have been published, publish again; workers run only the first copy they see.
          const status = await stem.getTaskStatus(taskId);
          if (status?.state === "queued") {
            await stem.enqueue(entry.task, fire.request(), {
              parentId: `beat:${entry.id}`,
              rootId: taskId,
              republish: true,
            });
          }
        }
      }
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      emitSignal(signals, "scheduleEntryFailed", { ...signal, error: message });
      (this.#options.logger ?? silentLogger).warn("Beat could not dispatch a fire", {
        ...signal,
        error,
      });
      return { ...signal, result: "failed", driftMs: this.#clock.now() - fireAt, error: message };
    }
    const driftMs = this.#clock.now() - fireAt;
    emitSignal(signals, "scheduleEntryDispatched", { ...signal, driftMs, duplicate });
    return { ...signal, result: duplicate ? "duplicate" : "dispatched", driftMs };
  }
}

/** A fire about to be dispatched. */
interface PreparedFire {
  entry: ScheduleEntry;
  fireAt: number;
  signal: ScheduleFire;
  request: () => EnqueueRequest;
}

function timingKey(entry: ScheduleEntryInput): string {
  return JSON.stringify([entry.spec, entry.timezone, entry.startAt, entry.endAt, entry.expireAt]);
}
