// A Cloudflare Worker that *runs* Stem tasks: a Cron Trigger drains the queues in `scheduled()`,
// and `POST /` (with a bearer token) drains on demand: push delivery from a dispatcher.
// Redis over HTTP (Upstash REST, or `stem redis-http` in front of your own Redis).
// Bundle: node examples/edge_cloudflare/build.mjs examples/edge_cloudflare_worker/worker.ts
//
// In your own project, import from the package instead: "@stem/stem/producer" (task definitions),
// "@stem/stem/redis/http" (the transport and the store set), "@stem/stem/http" (stemPushHandler).
import { FunctionTaskHandler } from "../../src/core/task_handler.ts";
import { StemAppBase } from "../../src/bootstrap/stem_app_base.ts";
import { stemPushHandler } from "../../src/http/mod.ts";
import { HttpTransport, redisStoreSet } from "../../adapters/redis/http/mod.ts";

/** The Worker's bindings. */
export interface WorkerEnv {
  /** `https://:TOKEN@host` of Upstash REST or `stem redis-http`. */
  STEM_BROKER_URL: string;
  /** Bearer token a dispatcher sends to `POST /`. */
  STEM_PUSH_TOKEN: string;
}

const tasks = [
  new FunctionTaskHandler({
    name: "edge.square",
    entrypoint: (_ctx, args) => Number(args.n) * Number(args.n),
  }),
];

// Workers' Cron Triggers may run up to 15 minutes of wall time; fetch handlers as long as the
// client waits. Leave a margin for the settles: a drain hands unfinished work back at its deadline.
const BUDGET = "20s";

const apps = new WeakMap<object, StemAppBase>();
function appFor(env: WorkerEnv): StemAppBase {
  let app = apps.get(env);
  if (!app) {
    const stores = redisStoreSet(HttpTransport.connect(env.STEM_BROKER_URL));
    apps.set(env, app = new StemAppBase(stores, { tasks, autoStart: false }));
  }
  return app;
}

export default {
  fetch(request: Request, env: WorkerEnv): Promise<Response> {
    const app = appFor(env);
    return stemPushHandler(app, { auth: { bearer: env.STEM_PUSH_TOKEN }, budget: BUDGET })(request);
  },
  scheduled(
    _controller: unknown,
    env: WorkerEnv,
    ctx: { waitUntil(promise: Promise<unknown>): void },
  ): void {
    ctx.waitUntil(appFor(env).worker.drain({ deadline: BUDGET }));
  },
};
