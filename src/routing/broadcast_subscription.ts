import { type Clock, systemClock, type TimerHandle } from "../core/clock.ts";
import { type Duration, toMillis } from "../core/duration.ts";
import { type Logger, silentLogger } from "../observability/logger.ts";
import type { BroadcastDirectory } from "./broadcast_directory.ts";

/** Options of {@link BroadcastSubscription}. */
export interface BroadcastSubscriptionOptions {
  /** Where subscriptions are recorded. */
  directory: BroadcastDirectory;
  /** Channels to subscribe to. */
  channels: readonly string[];
  /** The subscribing worker. */
  workerId: string;
  /** The worker's inbox queue (which it must consume). */
  inbox: string;
  /** How long a subscription outlives its last renewal (a crashed worker drops out after it). @default "30s" */
  ttl?: Duration;
  /** Time source for renewals. @default systemClock */
  clock?: Clock;
  /** Where failed renewals are reported. @default silentLogger */
  logger?: Logger;
}

/**
 * A worker's subscriptions to broadcast channels: recorded on `start()`, renewed every third of
 * the TTL, removed on `stop()`.
 */
export class BroadcastSubscription {
  readonly #options: BroadcastSubscriptionOptions;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  #timer: TimerHandle | undefined;
  #running = false;
  #started: Promise<void> | undefined;

  /** A subscription; nothing is recorded until `start()`. */
  constructor(options: BroadcastSubscriptionOptions) {
    this.#options = options;
    this.#ttlMs = toMillis(options.ttl ?? "30s");
    this.#clock = options.clock ?? systemClock;
  }

  /** Records every channel's subscription, then keeps renewing them; a second call waits for the first. */
  start(): Promise<void> {
    if (this.#running) return this.#started!;
    this.#running = true;
    return this.#started = this.#renew();
  }

  /** Stops renewing and removes the subscriptions. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    await this.#started;
    const { directory, channels, workerId } = this.#options;
    await Promise.all(channels.map((c) => directory.unsubscribe(c, workerId)));
  }

  async #renew(): Promise<void> {
    const { directory, channels, workerId, inbox } = this.#options;
    try {
      await Promise.all(channels.map((c) => directory.subscribe(c, workerId, inbox, this.#ttlMs)));
    } catch (error) {
      // The next renewal tries again; until then broadcasts may skip this worker.
      (this.#options.logger ?? silentLogger).warn("Could not renew broadcast subscriptions", {
        workerId,
        error,
      });
    }
    if (this.#running) {
      this.#timer = this.#clock.setTimeout(() => void this.#renew(), this.#ttlMs / 3);
    }
  }
}
