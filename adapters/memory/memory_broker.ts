import {
  type Broker,
  type BrokerCapabilities,
  type ConsumeOptions,
  DEFAULT_VISIBILITY_TIMEOUT_MS,
  type Delivery,
  type NackOptions,
  type QueueCounts,
} from "../../src/broker/broker.ts";
import { LeasedDelivery } from "../../src/broker/leased_delivery.ts";
import type {
  DeadLetterEntry,
  DeadLetterPage,
  ReplayOptions,
  ReplayResult,
} from "../../src/broker/dead_letter_store.ts";
import { type Clock, systemClock } from "../../src/core/clock.ts";
import { type Duration, toMillis, toMillisOrUndefined } from "../../src/core/duration.ts";
import {
  decodeEnvelope,
  type Envelope,
  type JsonValue,
  malformedEnvelope,
} from "../../src/core/envelope.ts";
import { LeaseLostError, type StemError } from "../../src/core/errors.ts";
import { claimLoop, PrefetchLedger } from "../../src/broker/claim_loop.ts";
import { type Logger, silentLogger } from "../../src/observability/logger.ts";
import { type InflightRecord, MemoryQueue } from "./memory_queue.ts";
import { replayedEnvelope } from "../../src/core/dead_letters.ts";
import { deadLetterPage, deadLetterWindow } from "../../src/broker/dead_letter_paging.ts";
import { jsonCopy } from "./json_copy.ts";

/** Options for {@link InMemoryBroker}. */
export interface InMemoryBrokerOptions {
  /** Lease length when the envelope has no `visibilityTimeout`. @default "30s" */
  defaultVisibilityTimeout?: Duration;
  /** Time source; inject a fake clock in tests. @default systemClock */
  clock?: Clock;
  /** Where a failed claim is reported (it cannot fail short of a bug). @default silentLogger */
  logger?: Logger;
}

/**
 * The in-process reference broker: priorities, delays, leases and dead letters, no I/O.
 *
 * @example
 * ```ts
 * import { InMemoryBroker } from "./memory_broker.ts";
 * const broker = new InMemoryBroker();
 * await broker.close();
 * ```
 */
export class InMemoryBroker implements Broker {
  /** Supports priority and delay; no broadcast; consumers wake without polling. */
  readonly capabilities: BrokerCapabilities = {
    priority: true,
    delay: true,
    broadcast: false,
    blocking: true,
  };
  readonly #queues = new Map<string, MemoryQueue>();
  readonly #inflight = new Map<string, InflightRecord>();
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #ledger = new PrefetchLedger();
  readonly #invalid = new WeakMap<Envelope, { reason: string; error: string }>();
  /**
   * Deliveries so far of a message that came back (nack requeue, lease passed, unclaimed). A
   * first delivery is not recorded: a WeakMap write per message cost more than the lease itself.
   */
  readonly #delivered = new WeakMap<Envelope, number>();
  #returned = 0;
  readonly #clock: Clock;
  readonly #defaultLeaseMs: number;
  readonly #logger: Logger;
  #receiptSeq = 0;
  #rawPublishes = 0;
  #closed = false;

  /** Creates an empty broker. */
  constructor(options: InMemoryBrokerOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#defaultLeaseMs = toMillis(
      options.defaultVisibilityTimeout ?? DEFAULT_VISIBILITY_TIMEOUT_MS,
    );
  }

  /**
   * Publishes one message. The broker keeps a JSON copy, as a durable broker stores the encoded
   * envelope: a value JSON cannot hold fails here, and the caller's object is never delivered.
   */
  publish(envelope: Envelope): Promise<void> {
    try {
      this.#add(jsonCopy(envelope));
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.resolve();
  }

  /**
   * Publishes a raw wire message (JSON text) as another process would. Text that is not a valid
   * envelope is still queued, and is delivered with `invalid` set so the worker dead-letters it.
   */
  publishRaw(queue: string, raw: string): Promise<void> {
    try {
      const envelope = decodeEnvelope(raw);
      this.#add({ ...envelope, queue });
    } catch (error) {
      const standIn = malformedEnvelope(`raw-${++this.#receiptSeq}`, queue, raw, this.#clock.now());
      this.#rawPublishes++;
      this.#invalid.set(standIn, { reason: "malformed-envelope", error: (error as Error).message });
      this.#add(standIn);
    }
    return Promise.resolve();
  }

  /** Publishes many messages. */
  publishMany(envelopes: Envelope[]): Promise<void> {
    let copies: Envelope[];
    try {
      copies = envelopes.map(jsonCopy);
    } catch (error) {
      return Promise.reject(error);
    }
    for (const envelope of copies) this.#add(envelope);
    return Promise.resolve();
  }

  /**
   * Yields leased deliveries until `signal` aborts or the broker closes: the shared claim loop,
   * claiming synchronously from the queues and woken in-process when a message becomes visible.
   */
  consume(options: ConsumeOptions): AsyncIterable<Delivery> {
    if (options.queues.length === 0) throw new RangeError("consume() needs at least one queue.");
    const queues = [...new Set(options.queues)].map((q) => this.#queue(q));
    // Start from a different queue each time so a busy first queue cannot starve the others.
    let turn = 0;
    return claimLoop({
      prefetch: Math.max(1, options.prefetch ?? 1),
      // One at a time: a claim costs no round trip, and nothing waits leased in the loop's buffer
      // (priorities hold at the moment of each delivery, and a stop has nothing to give back).
      maxBatch: 1,
      signal: options.signal,
      isClosed: () => this.#closed,
      claim: (limit) => this.#claim(queues, limit, turn++),
      ledger: this.#ledger,
      release: (delivery) => {
        this.#unclaim(delivery);
        return Promise.resolve();
      },
      subscribe: (wake) => this.#subscribe(queues, wake),
      // Publishes, requeues and the queues' due-time and lease timers all wake the loop.
      pollMin: Infinity,
      pollMax: Infinity,
      onError: (error: StemError) => this.#logger.warn(error.message, { code: error.code }),
      clock: this.#clock,
    });
  }

  /** Settles a delivery as done; a stale receipt is ignored. */
  ack(delivery: Delivery): Promise<void> {
    this.#settle(delivery.receipt);
    this.#ledger.release(delivery.receipt);
    return Promise.resolve();
  }

  /** Requeues (optionally replaced) or drops a delivery. */
  nack(delivery: Delivery, options: NackOptions = {}): Promise<void> {
    let replacement: Envelope | undefined;
    try {
      replacement = options.envelope && jsonCopy(options.envelope);
    } catch (error) {
      // The message stays leased until its lease passes; the prefetch unit comes back now.
      this.#ledger.release(delivery.receipt);
      return Promise.reject(error);
    }
    const record = this.#settle(delivery.receipt);
    this.#ledger.release(delivery.receipt);
    if (record && options.requeue !== false) {
      if (!replacement) this.#returning(record.envelope, record.deliveryCount);
      this.#add(replacement ?? record.envelope);
    }
    return Promise.resolve();
  }

  /** Moves the lease deadline to now + `by`. */
  extendLease(delivery: Delivery, by: Duration): Promise<void> {
    const record = this.#inflight.get(delivery.receipt);
    if (!record) return Promise.reject(new LeaseLostError(delivery.receipt));
    const at = this.#clock.now() + toMillis(by);
    record.generation++;
    record.leaseExpiresAt = at;
    delivery.leaseExpiresAt = at;
    this.#ledger.extended(delivery);
    this.#mark(this.#queue(record.queue), delivery.receipt, at, record.generation);
    return Promise.resolve();
  }

  /** Moves a delivery to the dead-letter queue of its queue. */
  deadLetter(
    delivery: Delivery,
    reason: string,
    meta: Record<string, JsonValue> = {},
  ): Promise<void> {
    let storedMeta: Record<string, JsonValue>;
    try {
      storedMeta = jsonCopy(meta);
    } catch (error) {
      this.#ledger.release(delivery.receipt);
      return Promise.reject(error);
    }
    const record = this.#settle(delivery.receipt);
    this.#ledger.release(delivery.receipt);
    // A stale receipt (lease expired, message redelivered) must not dead-letter the live copy.
    if (!record) return Promise.resolve();
    this.#queue(record.queue).dead.push({
      envelope: record.envelope,
      reason,
      meta: storedMeta,
      deadAt: this.#clock.now(),
    });
    return Promise.resolve();
  }

  /** Lists dead letters newest first. */
  listDeadLetters(
    queue: string,
    options: { limit?: number; offset?: number } = {},
  ): Promise<DeadLetterPage> {
    const window = deadLetterWindow(options);
    const dead = this.#queue(queue).dead;
    const newestFirst = dead.slice(Math.max(0, dead.length - window.offset - window.limit - 1))
      .reverse();
    return Promise.resolve(deadLetterPage(newestFirst, window));
  }

  /** Finds a dead letter by envelope id. */
  getDeadLetter(queue: string, id: string): Promise<DeadLetterEntry | null> {
    const dead = this.#queue(queue).dead;
    for (let i = dead.length - 1; i >= 0; i--) {
      if (dead[i].envelope.id === id) return Promise.resolve(dead[i]);
    }
    return Promise.resolve(null);
  }

  /** Re-publishes dead letters oldest first. */
  replayDeadLetters(queue: string, options: ReplayOptions = {}): Promise<ReplayResult> {
    const q = this.#queue(queue);
    const limit = options.limit ?? 50;
    const since = options.since ?? -Infinity;
    const chosen = q.dead.filter((e) => e.deadAt >= since).slice(0, Math.max(0, limit));
    if (options.dryRun) return Promise.resolve({ entries: chosen, dryRun: true });
    const delayMs = toMillisOrUndefined(options.delay);
    const now = this.#clock.now();
    const set = new Set(chosen);
    q.dead.splice(0, q.dead.length, ...q.dead.filter((e) => !set.has(e)));
    for (const entry of chosen) this.#add(replayedEnvelope(entry.envelope, now, delayMs));
    return Promise.resolve({ entries: chosen, dryRun: false });
  }

  /** Deletes dead letters newest first. */
  purgeDeadLetters(
    queue: string,
    options: { since?: number; limit?: number } = {},
  ): Promise<number> {
    const q = this.#queue(queue);
    const since = options.since ?? -Infinity;
    let budget = options.limit ?? Infinity;
    let removed = 0;
    for (let i = q.dead.length - 1; i >= 0 && budget > 0; i--) {
      if (q.dead[i].deadAt < since) continue;
      q.dead.splice(i, 1);
      removed++;
      budget--;
    }
    return Promise.resolve(removed);
  }

  /** Deletes pending and delayed messages. */
  purge(queue: string): Promise<number> {
    const q = this.#queue(queue);
    let removed = 0;
    for (const b of q.bands) removed += b.clear();
    for (const b of q.due) removed += b.clear();
    removed += q.delayed.removeWhere(() => true);
    return Promise.resolve(removed);
  }

  /** Counts messages by state. */
  counts(queue: string): Promise<QueueCounts> {
    const q = this.#queue(queue);
    // The queue's timer finds nothing left to promote afterwards, so wake the consumers here.
    if (q.promoteDue(this.#clock.now())) this.#wake(q.name);
    return Promise.resolve({
      pending: q.pending,
      inflight: q.inflight,
      delayed: q.delayed.size,
      dead: q.dead.length,
    });
  }

  /** Stops timers and ends every consumer. */
  close(): Promise<void> {
    this.#closed = true;
    for (const q of this.#queues.values()) q.disarm();
    this.#ledger.wakeAll();
    return Promise.resolve();
  }

  #add(envelope: Envelope): void {
    const q = this.#queue(envelope.queue);
    q.add(envelope, this.#clock.now());
    this.#wake(q.name);
  }

  /** Leases up to `limit` visible messages, taking from the queues in turn from `turn`. */
  #claim(queues: MemoryQueue[], limit: number, turn: number): Delivery[] {
    const now = this.#clock.now();
    const out: Delivery[] = [];
    for (let k = 0, empty = 0; out.length < limit && empty < queues.length; k++) {
      const q = queues[(turn + k) % queues.length];
      q.promoteDue(now);
      const envelope = q.take();
      if (!envelope) {
        empty++;
        continue;
      }
      empty = 0;
      out.push(this.#lease(q, envelope, now));
    }
    return out;
  }

  #lease(q: MemoryQueue, envelope: Envelope, now: number): Delivery {
    // Short numeric receipts: cheaper to hash than ids, and unique per delivery.
    const receipt = String(++this.#receiptSeq);
    const leaseMs = envelope.visibilityTimeout ?? this.#defaultLeaseMs;
    const leaseExpiresAt = leaseMs > 0 ? now + leaseMs : null;
    const deliveryCount = (this.#returned > 0 ? this.#delivered.get(envelope) ?? 0 : 0) + 1;
    this.#inflight.set(receipt, {
      envelope,
      queue: q.name,
      leaseExpiresAt,
      generation: 0,
      deliveryCount,
    });
    if (leaseExpiresAt !== null) this.#mark(q, receipt, leaseExpiresAt, 0);
    q.inflight++;
    // Only raw publishes can be invalid; skip the WeakMap probe (it costs a hash) otherwise.
    const invalid = this.#rawPublishes > 0 ? this.#invalid.get(envelope) : undefined;
    return new LeasedDelivery(envelope, receipt, q.name, leaseExpiresAt, deliveryCount, invalid);
  }

  /** Puts back a claimed delivery the loop never handed out, as if it had not been taken. */
  #unclaim(delivery: Delivery): void {
    const record = this.#settle(delivery.receipt);
    if (!record) return;
    if (record.deliveryCount > 1) this.#returning(record.envelope, record.deliveryCount - 1);
    else this.#delivered.delete(record.envelope);
    const q = this.#queue(record.queue);
    q.putBack(record.envelope);
    this.#wake(q.name);
  }

  /**
   * Records a lease mark. Marks of settled deliveries are dropped lazily; compacting when stale
   * marks outnumber live ones keeps the heap (and memory) proportional to what is in flight.
   */
  #mark(q: MemoryQueue, receipt: string, at: number, generation: number): void {
    q.lease(receipt, at, generation);
    if (q.leases.size > 4 * q.inflight + 8_192) {
      q.leases.removeWhere((mark) =>
        this.#inflight.get(mark.receipt)?.generation !== mark.generation
      );
    }
  }

  /** Remembers how often a message going back to its queue was delivered. */
  #returning(envelope: Envelope, deliveries: number): void {
    this.#returned++;
    this.#delivered.set(envelope, deliveries);
  }

  #settle(receipt: string): InflightRecord | undefined {
    const record = this.#inflight.get(receipt);
    if (!record) return undefined;
    this.#inflight.delete(receipt);
    this.#queue(record.queue).inflight--;
    return record;
  }

  #onDue = (q: MemoryQueue): void => {
    const now = this.#clock.now();
    let changed = q.promoteDue(now);
    for (const mark of q.dueLeases(now)) {
      const record = this.#inflight.get(mark.receipt);
      if (!record || record.generation !== mark.generation) continue;
      this.#inflight.delete(mark.receipt);
      q.inflight--;
      this.#ledger.release(mark.receipt);
      this.#returning(record.envelope, record.deliveryCount);
      q.add(record.envelope, now);
      changed = true;
    }
    if (changed) this.#wake(q.name);
  };

  #wake(queue: string): void {
    const set = this.#waiters.get(queue);
    if (set) { for (const wake of set) wake(); }
  }

  /** Registers a consumer's wake-up on its queues; returns the remover. */
  #subscribe(queues: MemoryQueue[], wake: () => void): () => void {
    for (const q of queues) {
      let set = this.#waiters.get(q.name);
      if (!set) this.#waiters.set(q.name, set = new Set());
      set.add(wake);
    }
    return () => {
      for (const q of queues) this.#waiters.get(q.name)?.delete(wake);
    };
  }

  #queue(name: string): MemoryQueue {
    let q = this.#queues.get(name);
    if (!q) this.#queues.set(name, q = new MemoryQueue(name, this.#clock, this.#onDue));
    return q;
  }
}
