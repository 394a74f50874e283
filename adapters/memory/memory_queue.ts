import type { DeadLetterEntry } from "../../src/broker/dead_letter_store.ts";
import type { Clock, TimerHandle } from "../../src/core/clock.ts";
import type { Envelope } from "../../src/core/envelope.ts";
import { Fifo } from "./fifo.ts";
import { MinHeap } from "./min_heap.ts";

const BANDS = 10;

/** A message held by the memory broker while it is leased. */
export interface InflightRecord {
  envelope: Envelope;
  queue: string;
  leaseExpiresAt: number | null;
  generation: number;
  /** Deliveries of the message, this one included. */
  deliveryCount: number;
}

interface LeaseMark {
  at: number;
  receipt: string;
  generation: number;
}

interface DelayedEntry {
  at: number;
  envelope: Envelope;
}

/** State of one queue: priority bands, delayed heap, leases and dead letters. */
export class MemoryQueue {
  readonly name: string;
  readonly bands: Fifo<Envelope>[] = Array.from({ length: BANDS }, () => new Fifo<Envelope>());
  /**
   * Per band, delayed messages that fell due, taken before the band's backlog (earliest due
   * first): a deferral or a retry whose time came does not wait behind what was queued earlier.
   */
  readonly due: Fifo<Envelope>[] = Array.from({ length: BANDS }, () => new Fifo<Envelope>());
  readonly delayed: MinHeap<DelayedEntry> = new MinHeap<DelayedEntry>();
  readonly leases: MinHeap<LeaseMark> = new MinHeap<LeaseMark>();
  readonly dead: DeadLetterEntry[] = [];
  inflight = 0;
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;
  readonly #clock: Clock;
  readonly #onDue: (queue: MemoryQueue) => void;

  constructor(name: string, clock: Clock, onDue: (queue: MemoryQueue) => void) {
    this.name = name;
    this.#clock = clock;
    this.#onDue = onDue;
  }

  /** Adds a message, delayed when its `notBefore` is in the future. */
  add(envelope: Envelope, now: number): void {
    if (envelope.notBefore !== null && envelope.notBefore > now) {
      this.delayed.push({ at: envelope.notBefore, envelope });
      this.arm(envelope.notBefore);
    } else {
      this.bands[band(envelope.priority)].push(envelope);
    }
  }

  /** Takes the highest-priority visible message. */
  take(): Envelope | undefined {
    for (let b = BANDS - 1; b >= 0; b--) {
      const dueQueue = this.due[b];
      if (dueQueue.size > 0) return dueQueue.shift();
      const bandQueue = this.bands[b];
      if (bandQueue.size > 0) return bandQueue.shift();
    }
    return undefined;
  }

  /** Puts a message back at the head of its band (taken, never handed out). */
  putBack(envelope: Envelope): void {
    this.bands[band(envelope.priority)].unshift(envelope);
  }

  /** Number of visible messages. */
  get pending(): number {
    let n = 0;
    for (const b of this.bands) n += b.size;
    for (const b of this.due) n += b.size;
    return n;
  }

  /** Moves due delayed messages to their bands' due lists; true when any moved. */
  promoteDue(now: number): boolean {
    let moved = false;
    for (let top = this.delayed.peek(); top && top.at <= now; top = this.delayed.peek()) {
      this.delayed.pop();
      this.due[band(top.envelope.priority)].push(top.envelope);
      moved = true;
    }
    return moved;
  }

  /** Records a lease deadline and makes sure the timer fires by then. */
  lease(receipt: string, at: number, generation: number): void {
    this.leases.push({ at, receipt, generation });
    this.arm(at);
  }

  /** Lease marks that are due, removed from the heap. */
  dueLeases(now: number): LeaseMark[] {
    const due: LeaseMark[] = [];
    for (let top = this.leases.peek(); top && top.at <= now; top = this.leases.peek()) {
      due.push(this.leases.pop()!);
    }
    return due;
  }

  /** Arms the wake-up timer for `at` unless it already fires earlier. */
  arm(at: number): void {
    if (at >= this.#timerAt) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = this.#clock.setTimeout(() => this.#fire(), Math.max(0, at - this.#clock.now()));
  }

  /** Stops the timer. */
  disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#onDue(this);
    const next = Math.min(this.delayed.peek()?.at ?? Infinity, this.leases.peek()?.at ?? Infinity);
    if (next !== Infinity) this.arm(next);
  }
}

function band(priority: number): number {
  if (!Number.isFinite(priority)) return 0;
  return Math.min(BANDS - 1, Math.max(0, Math.trunc(priority)));
}
