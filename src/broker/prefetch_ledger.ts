/**
 * Prefetch accounting shared by every broker: which consumer holds which delivery, until the
 * delivery is settled (whether the settle worked or threw) or its lease passes.
 *
 * @module
 */
import type { Delivery } from "./broker.ts";

/** One consumer's share of the prefetch: the deliveries it holds and how to wake it. */
export class ConsumerSlot {
  /** Deliveries handed to this consumer and neither settled nor past their lease, by receipt. */
  readonly held: Map<string, Delivery> = new Map();
  readonly #wake: () => void;
  readonly #stop: () => void;

  /** `wake` ends the consumer's wait for capacity; `stop` ends every wait (the broker closes). */
  constructor(wake: () => void, stop: () => void = wake) {
    this.#wake = wake;
    this.#stop = stop;
  }

  /** Deliveries held now. */
  get unsettled(): number {
    return this.held.size;
  }

  /** Wakes the consumer (a unit came back, or the broker is closing). */
  wake(): void {
    this.#wake();
  }

  /** Ends the consumer's waits for good (the broker is closing). */
  stop(): void {
    this.#stop();
  }
}

/**
 * A broker's ledger of held deliveries. A unit of prefetch comes back when the settle call of its
 * delivery finishes, however it finished, and when the delivery's lease passes without a settle;
 * so neither a settle that throws nor a lost delivery can shrink a consumer's prefetch for good.
 *
 * @example
 * ```ts
 * import { ConsumerSlot, PrefetchLedger } from "./prefetch_ledger.ts";
 * import { testEnvelope } from "../testing/test_values.ts";
 * const ledger = new PrefetchLedger();
 * const slot = new ConsumerSlot(() => {});
 * const delivery = {
 *   envelope: testEnvelope(), receipt: "r1", queue: "default", leaseExpiresAt: 1_000, deliveryCount: 1,
 * };
 * ledger.hold(delivery, slot);
 * await ledger.settle(delivery, () => Promise.reject(new Error("connection lost"))).catch(() => {});
 * console.log(slot.unsettled); // 0
 * ```
 */
export class PrefetchLedger {
  /**
   * Owner of each held receipt, kept only once a second consumer registered: with one consumer
   * (a worker's usual case) its own map answers, which saves a map write and delete per task.
   */
  readonly #owners = new Map<string, ConsumerSlot>();
  readonly #slots = new Set<ConsumerSlot>();
  #multi = false;
  #only: ConsumerSlot | null = null;

  /** Records that `slot` holds `delivery`. */
  hold(delivery: Delivery, slot: ConsumerSlot): void {
    slot.held.set(delivery.receipt, delivery);
    if (this.#multi) this.#owners.set(delivery.receipt, slot);
  }

  /** Gives the unit of `receipt` back to its consumer and wakes it; false when none was held. */
  release(receipt: string): boolean {
    const slot = this.#multi ? this.#owners.get(receipt) : this.#only;
    if (!slot || !slot.held.delete(receipt)) return false;
    if (this.#multi) this.#owners.delete(receipt);
    slot.wake();
    return true;
  }

  #ownerOf(receipt: string): ConsumerSlot | undefined {
    if (this.#multi) return this.#owners.get(receipt);
    return this.#only?.held.has(receipt) ? this.#only : undefined;
  }

  /** Runs a settle call and releases the delivery's unit when it finishes, even when it throws. */
  settle<T>(delivery: Delivery, fn: () => Promise<T>): Promise<T> {
    // Not an async function: this runs for every settle, and a then costs less than a frame.
    const receipt = delivery.receipt;
    let out: Promise<T>;
    try {
      out = fn();
    } catch (error) {
      this.release(receipt);
      return Promise.reject(error);
    }
    return out.then((value) => {
      this.release(receipt);
      return value;
    }, (error) => {
      this.release(receipt);
      throw error;
    });
  }

  /** Notes a renewed lease (the held delivery may be another object than the caller's). */
  extended(delivery: Delivery): void {
    const held = this.#ownerOf(delivery.receipt)?.held.get(delivery.receipt);
    if (held && held !== delivery) held.leaseExpiresAt = delivery.leaseExpiresAt;
  }

  /**
   * Releases the deliveries of `slot` whose lease passed by `now`; returns the earliest lease
   * deadline still held (Infinity when none expires).
   */
  sweep(slot: ConsumerSlot, now: number): number {
    let next = Infinity;
    for (const [receipt, delivery] of slot.held) {
      const at = delivery.leaseExpiresAt;
      if (at === null) continue;
      if (at <= now) {
        if (this.#multi) this.#owners.delete(receipt);
        slot.held.delete(receipt);
      } else if (at < next) next = at;
    }
    return next;
  }

  /** Registers a consumer so {@link PrefetchLedger.wakeAll} reaches it; returns the remover. */
  register(slot: ConsumerSlot): () => void {
    this.#slots.add(slot);
    if (!this.#multi && this.#slots.size > 1) {
      // From now on every receipt names its owner (once multi, always: no switching back).
      this.#multi = true;
      for (const s of this.#slots) {
        for (const receipt of s.held.keys()) this.#owners.set(receipt, s);
      }
    }
    this.#only = this.#slots.size === 1 ? slot : null;
    return () => {
      this.#slots.delete(slot);
      for (const receipt of slot.held.keys()) this.#owners.delete(receipt);
      slot.held.clear();
      if (!this.#multi) this.#only = this.#slots.size === 1 ? [...this.#slots][0] : null;
    };
  }

  /** Ends the waits of every registered consumer (the broker is closing). */
  wakeAll(): void {
    for (const slot of this.#slots) slot.stop();
  }
}
