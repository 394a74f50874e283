import { type Clock, systemClock } from "../../src/core/clock.ts";
import { uuidv7 } from "../../src/core/ids.ts";
import type {
  BusMessage,
  EventBus,
  EventBusCapabilities,
  Unsubscribe,
} from "../../src/workflow/event_bus.ts";
import type { SqlExecutor } from "../_sql/executor.ts";
import { SQL } from "./_sql.ts";
import type { Notifier } from "./notifier.ts";

/** Options of {@link PgEventBus}. */
export interface PgEventBusOptions {
  /** Time source for the expiry of stored (oversized) messages. @default systemClock */
  clock?: Clock;
  /** How long an oversized message stays readable, ms. @default 300000 */
  retainMs?: number;
}

/** NOTIFY payloads must stay under 8000 bytes; larger bodies go to stem_kv. */
const NOTIFY_LIMIT_BYTES = 7_900;
const STORED_PREFIX = "__stem.bus:big:";
const encoder = new TextEncoder();

type Handler = (message: BusMessage) => void;

/**
 * `EventBus` on Postgres: LISTEN/NOTIFY on `"<schema>_bus"` over the store set's one
 * postgres.js pool (its listening connection is shared with nothing else of ours). A body too
 * large for NOTIFY is stored in `stem_kv` and the notification carries its key; subscribers
 * read it back. Notifications sent while a listener is reconnecting are lost (best effort, as the
 * port says).
 */
export class PgEventBus implements EventBus {
  /** Cross-process, pushed. */
  readonly capabilities: EventBusCapabilities = { crossProcess: true, push: true };
  readonly #db: SqlExecutor;
  readonly #notifier: Notifier;
  readonly #clock: Clock;
  readonly #retainMs: number;
  readonly #handlers = new Map<string, Set<Handler>>();
  #unsubscribe: (() => void) | null = null;
  #closed = false;

  /** Publishes through `db` and listens through `notifier` (on the bus channel; owned). */
  constructor(db: SqlExecutor, notifier: Notifier, options: PgEventBusOptions = {}) {
    this.#db = db;
    this.#notifier = notifier;
    this.#clock = options.clock ?? systemClock;
    this.#retainMs = options.retainMs ?? 300_000;
  }

  /** NOTIFYs the message, or stores it and NOTIFYs its key when it is too large. */
  async publish(topic: string, payload: unknown): Promise<void> {
    if (this.#closed) return;
    const body = JSON.stringify({ topic, payload: payload ?? null });
    if (encoder.encode(body).length <= NOTIFY_LIMIT_BYTES) {
      await this.#db.all(SQL.busNotify, [body]);
      return;
    }
    const key = STORED_PREFIX + uuidv7();
    const expiresAt = this.#clock.now() + this.#retainMs;
    const ref = JSON.stringify({ topic, ref: key });
    if (encoder.encode(ref).length > NOTIFY_LIMIT_BYTES) {
      throw new RangeError(`Event bus topic too long (${topic.length} characters).`);
    }
    await this.#db.all(SQL.busNotifyStored, [key, body, expiresAt, ref]);
  }

  /** Calls `handler` for each message on `topic`; resolves once LISTEN is active. */
  async subscribe(topic: string, handler: Handler): Promise<Unsubscribe> {
    this.#unsubscribe ??= this.#notifier.subscribe((raw) => this.#onNotify(raw));
    await this.#notifier.ready();
    let set = this.#handlers.get(topic);
    if (!set) this.#handlers.set(topic, set = new Set());
    const wrapped: Handler = (m) => handler(m);
    set.add(wrapped);
    const entry = set;
    return () => {
      entry.delete(wrapped);
      if (entry.size === 0 && this.#handlers.get(topic) === entry) this.#handlers.delete(topic);
      return Promise.resolve();
    };
  }

  /** Drops every subscriber and stops listening. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.clear();
    this.#unsubscribe?.();
    await this.#notifier.close();
  }

  #onNotify(raw: string): void {
    let parsed: { topic?: unknown; payload?: unknown; ref?: unknown };
    try {
      parsed = JSON.parse(raw);
    } catch {
      return;
    }
    if (typeof parsed.topic !== "string") return;
    const topic = parsed.topic;
    if (!this.#handlers.has(topic)) return;
    if (typeof parsed.ref !== "string") {
      this.#emit(topic, parsed.payload ?? null);
      return;
    }
    this.#db.all<{ value: string }>(SQL.kvGet, [parsed.ref, this.#clock.now()], {
      idempotent: true,
    }).then(([row]) => {
      if (row) this.#emit(topic, (JSON.parse(String(row.value)) as BusMessage).payload);
    }, () => {
      // Unreadable now: best effort, like a notification lost to a reconnect.
    });
  }

  #emit(topic: string, payload: unknown): void {
    for (const handler of [...(this.#handlers.get(topic) ?? [])]) {
      try {
        handler({ topic, payload: structuredClone(payload) });
      } catch {
        // A throwing subscriber must not keep the others from their message.
      }
    }
  }
}
