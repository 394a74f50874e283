/**
 * The Redis side of the shared consume loop: a claim is one script call per queue (rotating the
 * first queue), and the idle wait is a blocking XREAD (TCP) or a poll back-off (HTTP).
 *
 * @module
 */
import type { ConsumeOptions, Delivery } from "../../../src/broker/broker.ts";
import { claimLoop, type PrefetchLedger } from "../../../src/broker/claim_loop.ts";
import type { StemError } from "../../../src/core/errors.ts";
import type { Clock } from "../../../src/core/clock.ts";
import { scripts } from "../_scripts.ts";
import type { QueueKeys } from "../keys.ts";
import type { RedisReply, RedisTransport } from "../transport.ts";
import { toDelivery } from "./codec.ts";
import { IdleWait } from "./idle_wait.ts";

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
  /** The idle waits of running loops, which `wake()` ends. */
  waiters: Set<IdleWait>;
  keys(queue: string): QueueKeys;
  closed(): boolean;
  ledger: PrefetchLedger;
  clock: Clock;
  release(delivery: Delivery): Promise<void>;
  onError(error: StemError): void;
}

/** What the last claim saw when it found less than it wanted: what the idle wait waits on. */
interface Round {
  nextDue: number;
  newest: Map<string, string[]>;
}

async function claimQueue(
  ctx: ConsumerContext,
  queue: string,
  consumer: string,
  want: number,
  round: Round,
  out: Delivery[],
): Promise<number> {
  const k = ctx.keys(queue);
  const sentAt = ctx.clock.now();
  const reply = await ctx.transport.script(
    scripts.claim,
    [k.delayed, k.leases, k.dueUnread, ...k.bands, ...k.due],
    [ctx.group, consumer, String(want), String(ctx.defaultLeaseMs), "1"],
  ) as RedisReply[];
  const due = Number(reply[0]);
  if (due >= 0) round.nextDue = Math.min(round.nextDue, due);
  const newest = reply[1] as string[];
  if (newest.length) round.newest.set(queue, newest);
  let n = 0;
  for (let i = 2; i + 4 < reply.length; i += 5) {
    const entry = {
      band: String(reply[i]),
      id: String(reply[i + 1]),
      count: Number(reply[i + 2]),
      leaseMs: Number(reply[i + 3]),
      fields: reply[i + 4],
    };
    out.push(toDelivery(queue, entry, sentAt));
    n++;
  }
  return n;
}

/** Yields leased deliveries of `options.queues` until the signal aborts or the broker closes. */
export function consumeLoop(
  ctx: ConsumerContext,
  options: ConsumeOptions,
): AsyncGenerator<Delivery> {
  const queues = [...new Set(options.queues)];
  if (queues.length === 0) throw new RangeError("consume() needs at least one queue.");
  for (const q of queues) ctx.keys(q);
  const consumer = options.consumerName ?? ctx.consumerName;
  const waiter = new IdleWait(ctx.transport, ctx.maxPollMs, ctx.clock);
  ctx.waiters.add(waiter);
  let round: Round = { nextDue: Infinity, newest: new Map() };
  let rotation = 0;
  const claim = async (limit: number): Promise<Delivery[]> => {
    round = { nextDue: Infinity, newest: new Map() };
    const out: Delivery[] = [];
    const start = rotation++;
    let want = limit;
    for (let i = 0; i < queues.length && want > 0; i++) {
      want -= await claimQueue(
        ctx,
        queues[(start + i) % queues.length],
        consumer,
        want,
        round,
        out,
      );
    }
    if (out.length > 0) waiter.reset();
    return out;
  };
  const idle = (signal: AbortSignal): Promise<void> => {
    const keys: string[] = [];
    const ids: string[] = [];
    for (const q of queues) {
      const newest = round.newest.get(q);
      if (!newest) continue;
      keys.push(...ctx.keys(q).bands);
      ids.push(...newest);
    }
    return waiter.wait(keys, ids, Math.max(5, Math.min(ctx.idleWaitMs, round.nextDue)), signal);
  };
  return claimLoop({
    prefetch: Math.max(1, Math.trunc(options.prefetch ?? 1)),
    signal: options.signal,
    isClosed: ctx.closed,
    claim,
    idle,
    ledger: ctx.ledger,
    release: ctx.release,
    onError: ctx.onError,
    clock: ctx.clock,
    end: () => {
      ctx.waiters.delete(waiter);
      return waiter.close();
    },
  });
}
