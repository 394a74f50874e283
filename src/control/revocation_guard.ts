import type { Clock, TimerHandle } from "../core/clock.ts";
import { type Logger, silentLogger } from "../observability/logger.ts";
import type { RevokeEntry, RevokeStore } from "./revoke_store.ts";

/** Options of {@link RevocationGuard}. */
export interface RevocationGuardOptions {
  /** Where revocations persist. */
  store: RevokeStore;
  /** Time source of the sync timer and of expiry. */
  clock: Clock;
  /** How often the store is read. @default 1000 */
  intervalMs?: number;
  /** Where failed syncs are reported. @default silentLogger */
  logger?: Logger;
  /** Called once per entry the guard has not seen at this version (terminate running tasks). */
  onRevoke?: (entry: RevokeEntry) => void;
}

/**
 * A worker's view of the revocations: read from the {@link RevokeStore} when the worker starts
 * (so one that starts later honours earlier revocations) and every `intervalMs` after, so checking
 * a delivery is a map lookup, not a round trip. A revocation reaches a running worker within one
 * interval.
 */
export class RevocationGuard {
  readonly #options: RevocationGuardOptions;
  readonly #entries = new Map<string, RevokeEntry>();
  #timer: TimerHandle | undefined;
  #stopped = true;

  /** Creates a guard; nothing is read until {@link start}. */
  constructor(options: RevocationGuardOptions) {
    this.#options = options;
  }

  /** Reads the store once (failures are logged, not thrown), then keeps it in sync. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.sync();
    this.#schedule();
  }

  /** Stops the sync timer. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** The reason `taskId` is revoked, or undefined when it is not (or its revocation lapsed). */
  reason(taskId: string): string | undefined {
    if (this.#entries.size === 0) return undefined;
    const entry = this.#entries.get(taskId);
    if (!entry) return undefined;
    if (entry.expiresAt !== null && entry.expiresAt <= this.#options.clock.now()) return undefined;
    return entry.reason;
  }

  /** Reads every live revocation now; reports new ones to `onRevoke`. */
  async sync(): Promise<void> {
    let listed: RevokeEntry[];
    try {
      listed = await this.#options.store.list();
    } catch (error) {
      (this.#options.logger ?? silentLogger).warn("Could not read revocations", { error });
      return;
    }
    const live = new Set<string>();
    for (const entry of listed) {
      live.add(entry.taskId);
      const known = this.#entries.get(entry.taskId);
      if (known && known.version >= entry.version) continue;
      this.#entries.set(entry.taskId, entry);
      this.#options.onRevoke?.(entry);
    }
    for (const taskId of this.#entries.keys()) if (!live.has(taskId)) this.#entries.delete(taskId);
  }

  /** The revocations in force now (not lapsed), in task-id order. */
  live(): RevokeEntry[] {
    const now = this.#options.clock.now();
    return [...this.#entries.values()]
      .filter((e) => e.expiresAt === null || e.expiresAt > now)
      .sort((a, b) => a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0);
  }

  /** Records a revocation this process made, without waiting for the next sync. */
  add(entry: RevokeEntry): void {
    const known = this.#entries.get(entry.taskId);
    if (known && known.version >= entry.version) return;
    this.#entries.set(entry.taskId, entry);
    this.#options.onRevoke?.(entry);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#options.clock.setTimeout(async () => {
      await this.sync();
      this.#schedule();
    }, this.#options.intervalMs ?? 1_000);
  }
}
