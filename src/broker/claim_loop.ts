/**
 * The one consume loop every broker runs: claim in batches up to the free prefetch room, read
 * ahead while deliveries are handed out, wait (the adapter's idle hook) when nothing is visible,
 * and back off after errors. Prefetch units live in a {@link PrefetchLedger}.
 *
 * @module
 */
import { type Clock, systemClock } from "../core/clock.ts";
import { ErrorCode } from "../core/error_codes.ts";
import { StemError } from "../core/errors.ts";
import { nextMacrotask } from "./batcher.ts";
import type { Delivery } from "./broker.ts";
import { ConsumerSlot, type PrefetchLedger } from "./prefetch_ledger.ts";
import { Wakeup } from "./wakeup.ts";

export { ConsumerSlot, PrefetchLedger } from "./prefetch_ledger.ts";

/**
 * Waits while no message is visible. Resolve when work may be there (or after a bounded time:
 * the loop claims again either way); `signal` aborts when the loop is woken or stops.
 */
export type IdleWait = (signal: AbortSignal) => Promise<void>;

/** What {@link claimLoop} needs from a broker. */
export interface ClaimLoopOptions {
  /** Maximum unsettled deliveries. */
  prefetch: number;
  /** Largest claim. @default prefetch */
  maxBatch?: number;
  /** Stops the loop. */
  signal?: AbortSignal;
  /** True once the broker is closed. */
  isClosed(): boolean;
  /**
   * Leases up to `limit` messages. An in-process broker may answer synchronously: the loop then
   * takes the batch without a promise and skips what only hides or saves round trips (read-ahead,
   * the pause that lets a macrotask's settles share one claim).
   */
  claim(limit: number): Promise<Delivery[]> | Delivery[];
  /** The broker's ledger: its settles release units through it. */
  ledger: PrefetchLedger;
  /** Gives back a claimed delivery that was never yielded. */
  release(delivery: Delivery): Promise<void>;
  /**
   * Called when a claim or wait fails (connection lost...), with a `consume-failed` StemError
   * wrapping the cause; the loop retries after a back-off.
   */
  onError(error: StemError): void;
  /** Time and timers. @default systemClock */
  clock?: Clock;
  /** The adapter's idle wait (a blocking read, a poll back-off); default: the wake-source wait. */
  idle?: IdleWait;
  /** Wake source: registers for wake-ups (notifications); returns the remover. */
  subscribe?(wake: () => void): () => void;
  /** Resolves when the wake source is active. */
  ready?(): Promise<void>;
  /** Wake source: when the next invisible message becomes visible (epoch ms), or null. */
  nextDue?(): Promise<number | null>;
  /** Wake-source wait: first idle wait, ms. @default 50 */
  pollMin?: number;
  /**
   * Wake-source wait: longest idle wait (the fallback poll), ms; Infinity (with `pollMin`) when
   * the wake source reports every message that becomes visible (no poll, no timer). @default 5_000
   */
  pollMax?: number;
  /** Runs when the loop ends (closes what the idle wait opened). */
  end?(): Promise<void>;
  /** Longest back-off after errors, ms. @default 2_000 */
  maxErrorBackoff?: number;
}

/** Yields leased deliveries until the signal aborts or the broker closes. */
export async function* claimLoop(o: ClaimLoopOptions): AsyncGenerator<Delivery> {
  const clock = o.clock ?? systemClock;
  const prefetch = Math.max(1, Math.trunc(o.prefetch));
  const maxBatch = Math.max(1, o.maxBatch ?? prefetch);
  const wakeup = new Wakeup(clock);
  const slot = new ConsumerSlot(() => wakeup.wakeCapacity(), () => wakeup.stop());
  const unregister = o.ledger.register(slot);
  // A flag rather than the signal's getter: the loop checks it for every delivery.
  let aborted = o.signal?.aborted === true;
  const stopped = () => aborted || o.isClosed();
  const onStop = () => {
    aborted = true;
    wakeup.stop();
  };
  const unsubscribe = o.subscribe?.(() => wakeup.wakeWork()) ?? (() => {});
  o.signal?.addEventListener("abort", onStop);
  const idle = o.idle ? () => o.idle!(wakeup.signal()) : wakeSourceIdle(o, clock, wakeup);
  const buffer: Delivery[] = [];
  // Set once a claim answered synchronously: no round trip to hide or to share.
  let sync = false;
  const accept = (got: Delivery[]) => {
    for (const delivery of got) {
      o.ledger.hold(delivery, slot);
      buffer.push(delivery);
    }
  };
  // Read-ahead: while deliveries are handed out, top the buffer up in the background once it
  // runs low, so a busy consumer does not wait a round trip for its next batch.
  const lowWater = Math.max(1, Math.floor(Math.min(prefetch, maxBatch) / 2));
  let refilling: Promise<void> | null = null;
  const refill = () => {
    const room = prefetch - slot.unsettled;
    if (sync || refilling || stopped() || room < lowWater) return;
    refilling = (o.claim(Math.min(room, maxBatch)) as Promise<Delivery[]>).then(
      (got) => (stopped() ? got.forEach((d) => o.release(d).catch(() => {})) : accept(got)),
      () => {},
    ).finally(() => (refilling = null));
  };
  const maxErrorBackoff = o.maxErrorBackoff ?? 2_000;
  let failures = 0;
  const failed = async (error: unknown, what: string) => {
    o.onError(
      new StemError(ErrorCode.consumeFailed, `${what} failed; retrying: ${error}`, {
        cause: error,
      }),
    );
    const base = Math.min(maxErrorBackoff, 50 * 2 ** Math.min(failures++, 10));
    await wakeup.wait(base / 2 + Math.random() * base / 2, false);
  };
  try {
    if (o.ready) await o.ready();
    while (!stopped()) {
      if (buffer.length > 0) {
        const next = buffer.shift()!;
        if (buffer.length < lowWater) refill();
        // Its lease passed while it waited here: it is someone else's now.
        if (!slot.held.has(next.receipt)) continue;
        yield next;
        continue;
      }
      if (refilling) {
        await refilling;
        continue;
      }
      if (prefetch - slot.unsettled <= 0) {
        const due = o.ledger.sweep(slot, clock.now());
        if (prefetch - slot.unsettled <= 0) {
          await wakeup.wait(due - clock.now());
          // Let the other settles of this macrotask land so one claim covers them all.
          if (!sync) await nextMacrotask();
          continue;
        }
      }
      wakeup.reset();
      let got: Delivery[];
      try {
        const claimed = o.claim(Math.min(prefetch - slot.unsettled, maxBatch));
        if (Array.isArray(claimed)) {
          sync = true;
          got = claimed;
        } else got = await claimed;
      } catch (error) {
        if (stopped()) break;
        await failed(error, "Claiming messages");
        continue;
      }
      failures = 0;
      if (sync && got.length === 1) {
        // The in-process case: hand the one delivery out without a trip through the buffer.
        o.ledger.hold(got[0], slot);
        yield got[0];
        continue;
      }
      if (got.length > 0) {
        accept(got);
        continue;
      }
      if (wakeup.woken || stopped()) continue;
      try {
        await idle();
      } catch (error) {
        if (stopped()) break;
        await failed(error, "Waiting for messages");
      }
    }
  } finally {
    await refilling;
    unsubscribe();
    o.signal?.removeEventListener("abort", onStop);
    wakeup.close();
    await o.end?.().catch(() => {});
    const unyielded = buffer.splice(0);
    for (const delivery of unyielded) o.ledger.release(delivery.receipt);
    unregister();
    for (const delivery of unyielded) await o.release(delivery).catch(() => {});
  }
}

/**
 * The idle wait of a broker with a wake source (LISTEN/NOTIFY, an in-process signal): sleep until
 * a wake-up, the next due time or the idle poll, whichever is first. Polls back off from
 * `pollMin` to `pollMax` and start over after a wake-up; an infinite poll sets no timer.
 */
function wakeSourceIdle(o: ClaimLoopOptions, clock: Clock, wakeup: Wakeup): () => Promise<void> {
  const pollMin = o.pollMin ?? 50;
  const pollMax = o.pollMax ?? 5_000;
  let backoff = pollMin;
  return async () => {
    const due = o.nextDue ? await o.nextDue().catch(() => null) : null;
    // A wake-up that came while the due time was read ends this wait before it starts.
    if (!wakeup.woken) {
      await wakeup.wait(
        due === null ? backoff : Math.min(backoff, Math.max(0, due - clock.now())),
        false,
      );
    }
    backoff = wakeup.woken ? pollMin : Math.min(backoff * 2, pollMax);
  };
}
