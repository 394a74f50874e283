/**
 * Watching a task's status from any process. A watcher keeps a marker key alive; writers
 * publish a task's updates (pub/sub, TCP) and append them to a short stream (polled with
 * back-off over HTTP) only while its marker exists, so unwatched writes cost nothing extra. Both
 * read the current value once the watch is active so a write racing the subscription is not
 * missed.
 *
 * @module
 */
import type { Unwatch } from "../../../src/backend/result_backend.ts";
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
  /** Longest poll back-off over HTTP. */
  maxPollMs: number;
  onError(error: unknown): void;
}

const MARKER_TTL_MS = 60_000;

/** Starts watching `id`; resolves when updates are being received. */
export async function watchStatus(
  ctx: WatchContext,
  id: string,
  listener: (status: TaskStatus) => void,
): Promise<Unwatch> {
  const startedAt = Date.now();
  const seen = new Set<string>();
  let active = true;
  const emit = (value: RedisReply, initial: boolean) => {
    if (!active || typeof value !== "string" || seen.has(value)) return;
    const status = decodeStatusValue(value);
    if (!status || (initial && status.timestamps.updatedAt < startedAt)) return;
    seen.add(value);
    if (seen.size > 64) seen.delete(seen.values().next().value!);
    listener(status);
  };
  const unsubscribe = await ctx.transport.subscribe(
    ctx.keys.channel(id),
    (message) => emit(message, false),
  );
  if (unsubscribe) {
    const stopMarker = await keepMarker(ctx, id);
    emit(await ctx.transport.command(["GET", ctx.keys.task(id)]), true);
    return async () => {
      active = false;
      stopMarker();
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

/** Sets the marker that makes writers publish `id`'s updates, and refreshes it while watching. */
async function keepMarker(ctx: WatchContext, id: string): Promise<() => void> {
  const set = () =>
    ctx.transport.command(["SET", ctx.keys.watchMarker(id), "1", "PX", String(MARKER_TTL_MS)]);
  await set();
  const timer = setInterval(() => set().catch(ctx.onError), MARKER_TTL_MS / 3);
  return () => clearInterval(timer);
}

async function pollUpdates(
  ctx: WatchContext,
  id: string,
  emit: (value: RedisReply, initial: boolean) => void,
): Promise<() => void> {
  const k = ctx.keys;
  const [first, current] = await ctx.transport.script(
    scripts.watchStart,
    [k.watchMarker(id), k.events(id), k.task(id)],
    [String(MARKER_TTL_MS)],
  ) as [string, RedisReply];
  emit(current, true);
  let cursor = first;
  let delay = 0;
  let markerAt = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const tick = async () => {
    try {
      if (Date.now() - markerAt > MARKER_TTL_MS / 3) {
        markerAt = Date.now();
        await ctx.transport.command(["SET", k.watchMarker(id), "1", "PX", String(MARKER_TTL_MS)]);
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
    if (!stopped) timer = setTimeout(tick, delay);
  };
  timer = setTimeout(tick, 25);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
