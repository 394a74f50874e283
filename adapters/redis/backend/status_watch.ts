/**
 * Watching a task's status from any process. A watcher keeps the task in the watcher set;
 * writers publish a task's updates (pub/sub, TCP) and append them to a short stream (polled
 * with back-off over HTTP) only while it is there, so unwatched writes cost nothing extra. Both
 * read the current value once the watch is active so a write racing the subscription is not
 * missed.
 *
 * @module
 */
import type { Unwatch } from "../../../src/backend/result_backend.ts";
import type { Clock } from "../../../src/core/clock.ts";
import type { Logger } from "../../../src/observability/logger.ts";
import type { TaskStatus } from "../../../src/backend/task_status.ts";
import { scripts } from "../_scripts.ts";
import type { BackendKeys } from "../keys.ts";
import type { RedisReply, RedisTransport } from "../transport.ts";
import { decodeStatusValue } from "./status_codec.ts";
import { fieldOf } from "../broker/codec.ts";

/** Settings of a watch. */
export interface WatchContext {
  transport: RedisTransport;
  keys: BackendKeys;
  /** Time and timers of the poll and the registration refresh. */
  clock: Clock;
  /** Where a listener that throws is reported (it must not break other watchers). */
  logger: Logger;
  /** Longest poll back-off over HTTP. */
  maxPollMs: number;
  onError(error: unknown): void;
}

const WATCH_TTL_MS = 60_000;

/** Starts watching `id`; resolves when updates are being received. */
export async function watchStatus(
  ctx: WatchContext,
  id: string,
  listener: (status: TaskStatus) => void,
): Promise<Unwatch> {
  const startedAt = ctx.clock.now();
  const seen = new Set<string>();
  let active = true;
  const emit = (value: RedisReply, initial: boolean) => {
    if (!active || typeof value !== "string" || seen.has(value)) return;
    const status = decodeStatusValue(value);
    if (!status || (initial && status.timestamps.updatedAt < startedAt)) return;
    seen.add(value);
    if (seen.size > 64) seen.delete(seen.values().next().value!);
    try {
      listener(status);
    } catch (error) {
      ctx.logger.warn("A status watcher threw; the write still succeeded", { taskId: id, error });
    }
  };
  const unsubscribe = await ctx.transport.subscribe(
    ctx.keys.channel(id),
    (message) => emit(message, false),
  );
  if (unsubscribe) {
    const stopRefresh = await keepRegistered(ctx, id);
    emit(await ctx.transport.command(["GET", ctx.keys.task(id)]), true);
    return async () => {
      active = false;
      stopRefresh();
      await unsubscribe();
    };
  }
  const stop = await pollUpdates(ctx, id, emit);
  return () => {
    active = false;
    stop();
    return Promise.resolve();
  };
}

/** Registers the watch so writers publish `id`'s updates, and refreshes it while watching. */
async function keepRegistered(ctx: WatchContext, id: string): Promise<() => void> {
  await register(ctx, id);
  let stopped = false;
  let timer: unknown;
  const refresh = () => {
    if (stopped) return;
    register(ctx, id).catch(ctx.onError);
    timer = ctx.clock.setTimeout(refresh, WATCH_TTL_MS / 3);
  };
  timer = ctx.clock.setTimeout(refresh, WATCH_TTL_MS / 3);
  return () => {
    stopped = true;
    ctx.clock.clearTimeout(timer);
  };
}

/** Runs `watch_start`: { newest update-stream id, current status value }. */
async function register(ctx: WatchContext, id: string): Promise<[string, RedisReply]> {
  const k = ctx.keys;
  return await ctx.transport.script(
    scripts.watchStart,
    [k.watchers, k.events(id), k.task(id)],
    [id, String(WATCH_TTL_MS)],
  ) as [string, RedisReply];
}

async function pollUpdates(
  ctx: WatchContext,
  id: string,
  emit: (value: RedisReply, initial: boolean) => void,
): Promise<() => void> {
  const k = ctx.keys;
  const [first, current] = await register(ctx, id);
  emit(current, true);
  let cursor = first;
  let delay = 0;
  let registeredAt = ctx.clock.now();
  let timer: unknown;
  let stopped = false;
  const tick = async () => {
    try {
      if (ctx.clock.now() - registeredAt > WATCH_TTL_MS / 3) {
        registeredAt = ctx.clock.now();
        await register(ctx, id);
      }
      const entries = await ctx.transport.command(
        ["XRANGE", k.events(id), `(${cursor}`, "+", "COUNT", "100"],
      ) as RedisReply[];
      for (const entry of entries) {
        const [sid, fields] = entry as [string, RedisReply];
        cursor = sid;
        emit(fieldOf(fields, "v") ?? null, false);
      }
      delay = entries.length ? 0 : Math.min(ctx.maxPollMs, Math.max(25, delay * 2));
    } catch (error) {
      ctx.onError(error);
      delay = ctx.maxPollMs;
    }
    if (!stopped) timer = ctx.clock.setTimeout(tick, delay);
  };
  timer = ctx.clock.setTimeout(tick, 25);
  return () => {
    stopped = true;
    ctx.clock.clearTimeout(timer);
  };
}
