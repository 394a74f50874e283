import { type Clock, systemClock, type TimerHandle } from "../../src/core/clock.ts";
import type {
  BusMessage,
  EventBus,
  EventBusCapabilities,
  Unsubscribe,
} from "../../src/workflow/event_bus.ts";
import type { SqlExecutor } from "./executor.ts";
import { unrefTimer } from "./timers.ts";

/** Options of {@link SqlPolledEventBus}. */
export interface SqlPolledEventBusOptions {
  /** How often subscribers look for new messages, ms. @default 100 */
  pollMs?: number;
  /** How long a message stays readable, ms (slow pollers older than that miss it). @default 60000 */
  retainMs?: number;
  /** Time source for the poll timer and message expiry. @default systemClock */
  clock?: Clock;
}

/** Keys of the bus in `stem_kv`: a sequence counter and one entry per message. */
const SEQ_KEY = "__stem.bus:seq";
const MESSAGE_PREFIX = "__stem.bus:m:";
const PAGE = 500;

const messageKey = (seq: number) => MESSAGE_PREFIX + String(seq).padStart(16, "0");

interface Subscriber {
  topic: string;
  handler: (message: BusMessage) => void;
  /** Messages up to this sequence number were published before it subscribed. */
  after: number;
}

/**
 * `EventBus` for a database without server push (SQLite): each publish appends an entry to the
 * kv table under a sequence number taken in the same transaction, so sequence order is commit
 * order and a poller that reads "after the last one seen" never skips a message. Every process
 * on the same file sees every message; entries expire after `retainMs`.
 */
export class SqlPolledEventBus implements EventBus {
  /** Cross-process (same file), polled. */
  readonly capabilities: EventBusCapabilities = { crossProcess: true, push: false };
  readonly #db: SqlExecutor;
  readonly #clock: Clock;
  readonly #pollMs: number;
  readonly #retainMs: number;
  readonly #subscribers = new Set<Subscriber>();
  #cursor = Infinity;
  #timer: TimerHandle | null = null;
  #polling: Promise<void> | null = null;
  #again = false;
  #closed = false;

  /** Publishes and polls through `db` (not owned: the store set closes it). */
  constructor(db: SqlExecutor, options: SqlPolledEventBusOptions = {}) {
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
    this.#pollMs = options.pollMs ?? 100;
    this.#retainMs = options.retainMs ?? 60_000;
  }

  /** Appends the message; this process's subscribers are polled at once. */
  async publish(topic: string, payload: unknown): Promise<void> {
    if (this.#closed) return;
    const body = JSON.stringify({ topic, payload: payload ?? null });
    const now = this.#clock.now();
    const sql = this.#db.sql;
    await this.#db.atomic<{ value: string }>(
      [{ query: sql.kvIncrement, params: [SEQ_KEY, 1, null, now] }],
      ([rows]) => ({
        many: {
          query: sql.kvSet,
          rows: [[messageKey(Number(rows[0].value)), body, now + this.#retainMs]],
        },
      }),
    );
    if (this.#subscribers.size > 0) this.#pollNow();
  }

  /** Calls `handler` for messages on `topic` published from now on. */
  async subscribe(topic: string, handler: (message: BusMessage) => void): Promise<Unsubscribe> {
    const after = await this.#lastSeq();
    const subscriber: Subscriber = { topic, handler, after };
    this.#subscribers.add(subscriber);
    this.#cursor = Math.min(this.#cursor, after);
    this.#schedule();
    return () => {
      this.#subscribers.delete(subscriber);
      if (this.#subscribers.size === 0) this.#stopTimer();
      return Promise.resolve();
    };
  }

  /** Stops polling and drops every subscriber. */
  close(): Promise<void> {
    this.#closed = true;
    this.#subscribers.clear();
    this.#stopTimer();
    return this.#polling ?? Promise.resolve();
  }

  async #lastSeq(): Promise<number> {
    const [row] = await this.#db.all<{ value: string }>(this.#db.sql.kvGet, [
      SEQ_KEY,
      this.#clock.now(),
    ]);
    return row ? Number(row.value) : 0;
  }

  #stopTimer(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#subscribers.size === 0) this.#cursor = Infinity;
  }

  #schedule(): void {
    if (this.#timer !== null || this.#closed || this.#subscribers.size === 0) return;
    this.#timer = unrefTimer(this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#pollNow();
    }, this.#pollMs));
  }

  #pollNow(): void {
    if (this.#polling) {
      this.#again = true;
      return;
    }
    this.#polling = this.#poll().catch(() => {
      // The file is busy or closing: the next tick reads from the same cursor.
    }).finally(() => {
      this.#polling = null;
      if (this.#again) {
        this.#again = false;
        this.#pollNow();
      } else this.#schedule();
    });
  }

  async #poll(): Promise<void> {
    while (!this.#closed && this.#subscribers.size > 0 && this.#cursor !== Infinity) {
      const rows = await this.#db.all<{ key: string; value: string }>(this.#db.sql.kvList, [
        MESSAGE_PREFIX,
        this.#clock.now(),
        PAGE,
        messageKey(this.#cursor),
      ]);
      for (const row of rows) {
        const seq = Number(String(row.key).slice(MESSAGE_PREFIX.length));
        this.#cursor = Math.max(this.#cursor, seq);
        this.#deliver(seq, String(row.value));
      }
      if (rows.length < PAGE) return;
    }
  }

  #deliver(seq: number, raw: string): void {
    let message: BusMessage;
    try {
      message = JSON.parse(raw) as BusMessage;
    } catch {
      return;
    }
    for (const s of [...this.#subscribers]) {
      if (s.topic !== message.topic || seq <= s.after) continue;
      try {
        s.handler({ topic: message.topic, payload: structuredClone(message.payload) });
      } catch {
        // A throwing subscriber must not keep the others from their message.
      }
    }
  }
}
