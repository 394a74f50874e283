import { StemError } from "../core/errors.ts";
import type { Delivery } from "./broker.ts";

/** Prefetch accounting of one consumer; `wake` ends its current wait. */
export interface ConsumerSlot {
  /** Deliveries claimed and not yet settled. */
  unsettled: number;
  /** Wakes the consumer (a message arrived or a delivery was settled). */
  wake(): void;
}

/** What {@link claimLoop} needs from a database-backed broker. */
export interface ClaimLoopOptions {
  /** Maximum unsettled deliveries. */
  prefetch: number;
  /** Largest claim. */
  maxBatch: number;
  /** Stops the loop. */
  signal?: AbortSignal;
  /** True once the broker is closed. */
  isClosed(): boolean;
  /** Leases up to `limit` messages. */
  claim(limit: number): Promise<Delivery[]>;
  /** When the next invisible message becomes visible (epoch ms), or null. */
  nextDue(): Promise<number | null>;
  /** Registers for wake-ups (notifications); returns the remover. */
  subscribe(wake: () => void): () => void;
  /** Resolves when notifications are active. */
  ready?(): Promise<void>;
  /** Records which consumer holds a delivery (settling decrements its `unsettled`). */
  track(delivery: Delivery, slot: ConsumerSlot): void;
  /** Gives back a claimed delivery that was never yielded. */
  release(delivery: Delivery): Promise<void>;
  /** First idle wait, ms. */
  pollMin: number;
  /** Longest idle wait (the fallback poll), ms. */
  pollMax: number;
  /**
   * Called when a claim fails (connection lost...), with a `consume-failed` StemError wrapping
   * the cause; the loop retries after a back-off.
   */
  onError(error: StemError): void;
  /** Current time, epoch ms. */
  now(): number;
}

/**
 * The consume loop shared by the Postgres and SQLite brokers: claim in batches up to the free
 * prefetch room, yield, and when nothing is visible sleep until a wake-up, the next due time or
 * the idle poll, whichever is first. Idle polls back off from `pollMin` to `pollMax`.
 */
export async function* claimLoop(o: ClaimLoopOptions): AsyncGenerator<Delivery> {
  let signalled = false;
  let resolveWait: (() => void) | null = null;
  const wake = () => {
    signalled = true;
    const fn = resolveWait;
    resolveWait = null;
    fn?.();
  };
  const slot: ConsumerSlot = { unsettled: 0, wake };
  const wait = (ms: number) => {
    if (signalled) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(wake, ms) : undefined;
      resolveWait = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  };
  const stopped = () => o.signal?.aborted === true || o.isClosed();
  const unsubscribe = o.subscribe(wake);
  o.signal?.addEventListener("abort", wake);
  const buffer: Delivery[] = [];
  const accept = (got: Delivery[]) => {
    for (const delivery of got) {
      slot.unsettled++;
      o.track(delivery, slot);
      buffer.push(delivery);
    }
  };
  // Read-ahead: while deliveries are being handed out, top the buffer up in the background once
  // it runs low, so a busy consumer does not wait a round trip for its next batch.
  const lowWater = Math.max(1, Math.floor(Math.min(o.prefetch, o.maxBatch) / 2));
  let refilling: Promise<void> | null = null;
  const refill = () => {
    const room = o.prefetch - slot.unsettled;
    if (refilling || stopped() || room < lowWater) return;
    refilling = o.claim(Math.min(room, o.maxBatch)).then(
      (got) => (stopped() ? got.forEach((d) => o.release(d).catch(() => {})) : accept(got)),
      () => {},
    ).finally(() => (refilling = null));
  };
  let backoff = o.pollMin;
  let errorBackoff = 50;
  try {
    await o.ready?.();
    while (!stopped()) {
      if (buffer.length > 0) {
        const next = buffer.shift()!;
        if (buffer.length < lowWater) refill();
        yield next;
        continue;
      }
      if (refilling) {
        await refilling;
        continue;
      }
      const room = o.prefetch - slot.unsettled;
      if (room <= 0) {
        signalled = false;
        await wait(Infinity);
        continue;
      }
      signalled = false;
      let got: Delivery[];
      try {
        got = await o.claim(Math.min(room, o.maxBatch));
      } catch (error) {
        if (stopped()) break;
        o.onError(
          new StemError("consume-failed", `Claiming messages failed; retrying: ${error}`, {
            cause: error,
          }),
        );
        await wait(errorBackoff);
        errorBackoff = Math.min(errorBackoff * 2, o.pollMax);
        continue;
      }
      errorBackoff = 50;
      if (got.length > 0) {
        accept(got);
        backoff = o.pollMin;
        continue;
      }
      if (signalled || stopped()) continue;
      const due = await o.nextDue().catch(() => null);
      const ms = due === null ? backoff : Math.min(backoff, Math.max(0, due - o.now()));
      await wait(ms);
      if (!signalled) backoff = Math.min(backoff * 2, o.pollMax);
    }
  } finally {
    await refilling;
    unsubscribe();
    o.signal?.removeEventListener("abort", wake);
    for (const delivery of buffer.splice(0)) await o.release(delivery).catch(() => {});
  }
}
