// A Cloudflare Worker that *is* Beat: its Cron Trigger (`scheduled()`, e.g. `* * * * *`) calls
// `runOnce` over Redis HTTP (Upstash REST, or `stem redis-http` in front of your own Redis), and
// whatever is due is enqueued exactly once — even when two invocations overlap. Workers
// elsewhere (a Deno or Bun process, or the edge_cloudflare_worker example) run the tasks.
// Bundle: node examples/edge_cloudflare/build.mjs examples/edge_cloudflare_beat/worker.ts
//
// In your own project, import from the package instead: "@stem/stem/scheduler" (Beat, Stem),
// "@stem/stem/redis/http" (the transport and the store set).
import { Beat, Stem } from "../../src/scheduler/mod.ts";
import { HttpTransport, redisStoreSet } from "../../adapters/redis/http/mod.ts";

/** The Worker's bindings. */
export interface BeatWorkerEnv {
  /** `https://:TOKEN@host` of Upstash REST or `stem redis-http`. */
  STEM_BROKER_URL: string;
}

/** The part of Cloudflare's `ScheduledController` the handler reads. */
export interface ScheduledControllerLike {
  /** The trigger's scheduled time, epoch ms. */
  scheduledTime: number;
}

const stems = new WeakMap<object, { stem: Stem; stores: ReturnType<typeof redisStoreSet> }>();
function storesFor(env: BeatWorkerEnv) {
  let entry = stems.get(env);
  if (!entry) {
    const stores = redisStoreSet(HttpTransport.connect(env.STEM_BROKER_URL));
    entry = { stores, stem: new Stem({ broker: stores.broker, backend: stores.statuses }) };
    stems.set(env, entry);
  }
  return entry;
}

export default {
  scheduled(
    controller: ScheduledControllerLike,
    env: BeatWorkerEnv,
    ctx: { waitUntil(promise: Promise<unknown>): void },
  ): void {
    const { stem, stores } = storesFor(env);
    // A Beat per invocation: overlapping triggers are two claimers, and the store's claim plus
    // the fire-derived task ids keep every fire to one dispatch.
    const beat = new Beat({ stem, store: stores.schedules });
    // The trigger's own time, not the isolate's clock: entries due at the cron minute are due.
    const now = Math.max(controller.scheduledTime, Date.now());
    ctx.waitUntil(beat.runOnce({ now }));
  },
};
