import type { Clock, TimerHandle } from "../core/clock.ts";
import { type Duration, toMillis } from "../core/duration.ts";
import { type Logger, silentLogger } from "../observability/logger.ts";
import type { Semaphore } from "./semaphore.ts";

/** Concurrency that follows demand, between `min` and `max` (Celery's `--autoscale`). */
export interface AutoscaleOptions {
  /** Slots kept however idle the worker is. */
  min: number;
  /** Slots at most, however long the queue. */
  max: number;
  /** How often demand is read (running tasks plus the waiting ones in the worker's queues). @default "1s" */
  interval?: Duration;
  /** How long demand must stay below the current concurrency before it shrinks. @default "30s" */
  idleAfter?: Duration;
}

/** What the autoscaler reads and drives. */
export interface AutoscalerDeps {
  /** The worker's slots. */
  slots: Semaphore;
  /** Running tasks plus tasks waiting in the worker's queues. */
  demand(): Promise<number>;
  /** Timers. */
  clock: Clock;
  /** Diagnostics. */
  logger?: Logger;
  /** Called after each change of concurrency. */
  onChange?(concurrency: number): void;
}

/**
 * Grows the worker's slots at once to meet demand (up to `max`) and shrinks them to demand (down
 * to `min`) only after demand stayed lower for `idleAfter`, so a brief lull does not churn.
 */
export class Autoscaler {
  readonly #min: number;
  readonly #max: number;
  readonly #intervalMs: number;
  readonly #idleMs: number;
  readonly #deps: AutoscalerDeps;
  #timer: TimerHandle | undefined;
  #busySince: number;
  #running = false;

  /** Validates the bounds; the worker starts at `min`. */
  constructor(options: AutoscaleOptions, deps: AutoscalerDeps) {
    const { min, max } = options;
    if (!Number.isInteger(min) || min < 1 || !Number.isInteger(max) || max < min) {
      throw new RangeError(
        `Invalid autoscale { min: ${min}, max: ${max} }: use integers with 1 <= min <= max.`,
      );
    }
    this.#min = min;
    this.#max = max;
    this.#intervalMs = toMillis(options.interval ?? "1s");
    this.#idleMs = toMillis(options.idleAfter ?? "30s");
    this.#deps = deps;
    this.#busySince = deps.clock.now();
  }

  /** The bounds. */
  get bounds(): { min: number; max: number } {
    return { min: this.#min, max: this.#max };
  }

  /** Starts reading demand every `interval`. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#busySince = this.#deps.clock.now();
    this.#arm();
  }

  /** Stops; the concurrency stays where it is. */
  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Reads demand once and resizes (the timer calls it; tests may too). */
  async adjust(): Promise<void> {
    const { slots, clock } = this.#deps;
    const demand = await this.#deps.demand();
    const target = Math.min(this.#max, Math.max(this.#min, demand));
    const now = clock.now();
    if (target >= slots.size) this.#busySince = now;
    if (target > slots.size) return this.#resize(target);
    if (target < slots.size && now - this.#busySince >= this.#idleMs) this.#resize(target);
  }

  #resize(size: number): void {
    this.#deps.slots.resize(size);
    this.#deps.onChange?.(size);
  }

  #arm(): void {
    this.#timer = this.#deps.clock.setTimeout(() => {
      this.adjust().catch((error) =>
        (this.#deps.logger ?? silentLogger).warn("Autoscaling could not read queue depth", {
          error,
        })
      ).finally(() => {
        if (this.#running) this.#arm();
      });
    }, this.#intervalMs);
  }
}
