import type {
  BusMessage,
  EventBus,
  EventBusCapabilities,
  Unsubscribe,
} from "../../../src/workflow/event_bus.ts";
import { type Clock, systemClock, type TimerHandle } from "../../../src/core/clock.ts";
import { type Duration, toMillis } from "../../../src/core/duration.ts";
import type { RedisTransport } from "../transport.ts";

/** Options of {@link RedisEventBus}. */
export interface RedisEventBusOptions {
  /** Key and channel prefix. @default "stem" */
  namespace?: string;
  /** First poll interval of a subscriber over HTTP, and the one after a message. @default 250 */
  pollIntervalMs?: number;
  /**
   * Longest poll interval over HTTP: an idle subscriber doubles its interval up to this, so a
   * quiet topic costs about two commands a minute. @default "30s"
   */
  maxPollInterval?: Duration;
  /** Time source of the poll timers. @default systemClock */
  clock?: Clock;
  /** Entries kept per topic stream for polling subscribers. @default 1000 */
  streamLength?: number;
}

/**
 * `EventBus` on Redis: pub/sub where the transport has it (TCP), and a short capped stream per
 * topic that subscribers on a transport without pub/sub (Upstash REST) poll. Every publish feeds
 * both, so a TCP publisher reaches HTTP subscribers and the other way round.
 */
export class RedisEventBus implements EventBus {
  /** Cross-process; pushed on TCP, polled over HTTP. */
  readonly capabilities: EventBusCapabilities;
  readonly #t: RedisTransport;
  readonly #prefix: string;
  readonly #pollMs: number;
  readonly #maxPollMs: number;
  readonly #clock: Clock;
  readonly #length: number;
  readonly #closers = new Set<Unsubscribe>();

  /** Wraps a transport (not owned: the store set closes it). */
  constructor(transport: RedisTransport, options: RedisEventBusOptions = {}) {
    this.#t = transport;
    this.#prefix = `${options.namespace ?? "stem"}:bus:`;
    this.#pollMs = options.pollIntervalMs ?? 250;
    this.#maxPollMs = Math.max(this.#pollMs, toMillis(options.maxPollInterval ?? "30s"));
    this.#clock = options.clock ?? systemClock;
    this.#length = options.streamLength ?? 1000;
    this.capabilities = { crossProcess: true, push: transport.kind === "tcp" };
  }

  /** Publishes on the channel and appends to the topic's stream. */
  async publish(topic: string, payload: unknown): Promise<void> {
    const body = JSON.stringify({ topic, payload: payload ?? null });
    const key = this.#prefix + topic;
    await this.#t.pipeline([
      ["PUBLISH", key, body],
      ["XADD", key, "MAXLEN", "~", String(this.#length), "*", "m", body],
      ["PEXPIRE", key, "3600000"],
    ]);
  }

  /** Subscribes by pub/sub, or polls the topic's stream when the transport has none. */
  async subscribe(topic: string, handler: (message: BusMessage) => void): Promise<Unsubscribe> {
    const key = this.#prefix + topic;
    const deliver = (raw: string) => {
      try {
        handler(JSON.parse(raw) as BusMessage);
      } catch {
        // A throwing handler or a foreign message must not stop the subscription.
      }
    };
    const off = await this.#t.subscribe(key, deliver);
    const close = this.#once(off ?? await this.#poll(key, deliver));
    this.#closers.add(close);
    return async () => {
      this.#closers.delete(close);
      await close();
    };
  }

  #once(fn: () => Promise<void>): Unsubscribe {
    let done: Promise<void> | null = null;
    return () => (done ??= fn());
  }

  async #poll(key: string, deliver: (raw: string) => void): Promise<() => Promise<void>> {
    // Start after the newest entry the server holds now (no client clock involved).
    const newest = (await this.#t.command(["XREVRANGE", key, "+", "-", "COUNT", "1"])) as
      | [string, string[]][]
      | null;
    let last = newest?.[0]?.[0] ?? "0-0";
    let stopped = false;
    let timer: TimerHandle | undefined;
    let delay = this.#pollMs;
    const tick = async () => {
      try {
        const reply = await this.#t.command(["XRANGE", key, `(${last}`, "+", "COUNT", "100"]);
        const entries = (reply ?? []) as [string, string[]][];
        delay = entries.length ? this.#pollMs : Math.min(this.#maxPollMs, delay * 2);
        for (const entry of entries) {
          last = entry[0];
          const fields = entry[1];
          for (let i = 0; i + 1 < fields.length; i += 2) {
            if (fields[i] === "m") deliver(fields[i + 1]);
          }
        }
      } catch {
        // Unreachable for a moment: the next tick reads from the same position.
      }
      if (!stopped) timer = this.#clock.setTimeout(() => void tick(), delay);
    };
    timer = this.#clock.setTimeout(() => void tick(), 0);
    return () => {
      stopped = true;
      if (timer !== undefined) this.#clock.clearTimeout(timer);
      return Promise.resolve();
    };
  }

  /** Ends every subscription. */
  async close(): Promise<void> {
    const all = [...this.#closers];
    this.#closers.clear();
    await Promise.all(all.map((c) => c()));
  }
}
