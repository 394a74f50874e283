/**
 * The consume loop: claims batches with one script call per queue, yields them within the
 * prefetch bound, and waits (blocking or polling) when every queue is empty.
 *
 * @module
 */
import type { ConsumeOptions, Delivery } from "../../../src/broker/broker.ts";
import { scripts } from "../_scripts.ts";
import type { QueueKeys } from "../keys.ts";
import type { RedisReply, RedisTransport } from "../transport.ts";
import { toDelivery } from "./codec.ts";
import { IdleWait } from "./idle_wait.ts";
import { nextMacrotask } from "../batcher.ts";

/** Counts a consumer's unsettled deliveries and wakes it when one settles. */
export class ConsumerSlot {
  /** Deliveries handed out and not yet settled. */
  unsettled = 0;
  #wake: (() => void) | null = null;

  /** Resolves on the next settle or wake-up. */
  waitForCapacity(): Promise<void> {
    return new Promise((resolve) => (this.#wake = resolve));
  }

  /** One delivery was settled. */
  release(): void {
    this.unsettled = Math.max(0, this.unsettled - 1);
    this.wake();
  }

  /** Wakes a consumer waiting for capacity. */
  wake(): void {
    const fn = this.#wake;
    this.#wake = null;
    fn?.();
  }
}

/** What the loop needs from the broker. */
export interface ConsumerContext {
  transport: RedisTransport;
  group: string;
  consumerName: string;
  defaultLeaseMs: number;
  /** Longest idle wait before claiming again (reclaim and delay latency). */
  idleWaitMs: number;
  /** Longest poll back-off over HTTP. */
  maxPollMs: number;
  keys(queue: string): QueueKeys;
  closed(): boolean;
  track(delivery: Delivery, slot: ConsumerSlot): void;
  release(delivery: Delivery): Promise<void>;
  onError(error: unknown): void;
  stopSignals: Set<() => void>;
}

interface Round {
  deliveries: Delivery[];
  nextDue: number;
  newest: Map<string, string[]>;
}

async function claimQueue(
  ctx: ConsumerContext,
  queue: string,
  consumer: string,
  want: number,
  round: Round,
): Promise<number> {
  const k = ctx.keys(queue);
  const sentAt = Date.now();
  const reply = await ctx.transport.script(
    scripts.claim,
    [k.delayed, k.leases, ...k.bands],
    [ctx.group, consumer, String(want), String(ctx.defaultLeaseMs), "1"],
  ) as RedisReply[];
  const due = Number(reply[0]);
  if (due >= 0) round.nextDue = Math.min(round.nextDue, due);
  const newest = reply[1] as string[];
  if (newest.length) round.newest.set(queue, newest);
  let n = 0;
  for (let i = 2; i + 4 < reply.length; i += 5) {
    const entry = {
      band: Number(reply[i]),
      id: String(reply[i + 1]),
      count: Number(reply[i + 2]),
      leaseMs: Number(reply[i + 3]),
      fields: reply[i + 4],
    };
    round.deliveries.push(toDelivery(queue, entry, sentAt));
    n++;
  }
  return n;
}

async function claimRound(
  ctx: ConsumerContext,
  queues: string[],
  start: number,
  consumer: string,
  capacity: number,
): Promise<Round> {
  const round: Round = { deliveries: [], nextDue: Infinity, newest: new Map() };
  let want = capacity;
  for (let i = 0; i < queues.length && want > 0; i++) {
    want -= await claimQueue(ctx, queues[(start + i) % queues.length], consumer, want, round);
  }
  return round;
}

function backoffMs(failures: number): number {
  const base = Math.min(2_000, 50 * 2 ** Math.min(failures, 6));
  return base / 2 + Math.random() * base / 2;
}

/** Yields leased deliveries of `options.queues` until the signal aborts or the broker closes. */
export async function* consumeLoop(
  ctx: ConsumerContext,
  options: ConsumeOptions,
): AsyncGenerator<Delivery> {
  const queues = [...new Set(options.queues)];
  if (queues.length === 0) throw new RangeError("consume() needs at least one queue.");
  for (const q of queues) ctx.keys(q);
  const prefetch = Math.max(1, Math.trunc(options.prefetch ?? 1));
  const consumer = options.consumerName ?? ctx.consumerName;
  const signal = options.signal;
  const slot = new ConsumerSlot();
  const idle = new IdleWait(ctx.transport, ctx.maxPollMs);
  const stop = () => {
    slot.wake();
    idle.interrupt();
  };
  signal?.addEventListener("abort", stop);
  ctx.stopSignals.add(stop);
  const unyielded: Delivery[] = [];
  let failures = 0;
  let rotation = 0;
  const running = () => !signal?.aborted && !ctx.closed();
  try {
    while (running()) {
      if (slot.unsettled >= prefetch) {
        await slot.waitForCapacity();
        // Let the other settles of this macrotask land so one claim fetches them all.
        await nextMacrotask();
        continue;
      }
      let round: Round;
      try {
        round = await claimRound(ctx, queues, rotation++, consumer, prefetch - slot.unsettled);
        failures = 0;
      } catch (error) {
        if (!running()) break;
        ctx.onError(error);
        await idle.sleep(backoffMs(failures++));
        continue;
      }
      if (round.deliveries.length > 0) {
        idle.reset();
        unyielded.push(...round.deliveries);
        while (unyielded.length > 0 && running()) {
          const delivery = unyielded.shift()!;
          ctx.track(delivery, slot);
          slot.unsettled++;
          yield delivery;
        }
        continue;
      }
      const wait = Math.min(ctx.idleWaitMs, round.nextDue);
      const keys: string[] = [];
      const ids: string[] = [];
      for (const q of queues) {
        const newest = round.newest.get(q);
        if (!newest) continue;
        keys.push(...ctx.keys(q).bands);
        ids.push(...newest);
      }
      try {
        await idle.wait(keys, ids, Math.max(5, wait));
        failures = 0;
      } catch (error) {
        if (!running()) break;
        ctx.onError(error);
        await idle.sleep(backoffMs(failures++));
      }
    }
  } finally {
    signal?.removeEventListener("abort", stop);
    ctx.stopSignals.delete(stop);
    await idle.close().catch(() => {});
    for (const d of unyielded) await ctx.release(d).catch(() => {});
  }
}
