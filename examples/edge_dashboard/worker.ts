// A Cloudflare Worker (module syntax) that serves the Stem dashboard over Redis' REST protocol
// (Upstash, or `stem redis-http` in front of your own Redis). Bundle it like the producer example:
//   node examples/edge_cloudflare/build.mjs   (pointed at this file), or let wrangler bundle it.
//
// In your own project, import from the package instead: "@stem/stem" (StemAppBase),
// "@stem/stem/redis/http" and "@stem/stem/dashboard".
import { HttpTransport, redisStoreSet } from "../../adapters/redis/http/mod.ts";
import { StemAppBase } from "../../src/bootstrap/stem_app_base.ts";
import { stemDashboard } from "../../src/dashboard/mod.ts";

/** The Worker's bindings. */
export interface DashboardEnv {
  /** `https://:TOKEN@host` of the Redis REST endpoint. */
  STEM_BROKER_URL: string;
  /** Bearer token dashboard users send (put a login proxy such as Cloudflare Access in front). */
  STEM_DASHBOARD_TOKEN: string;
  /** Key namespace of the deployment. @default "stem" */
  STEM_NAMESPACE?: string;
  /** Queues to list besides those workers consume, comma-separated. */
  STEM_DASHBOARD_QUEUES?: string;
}

type Handler = (request: Request) => Promise<Response>;
const handlers = new WeakMap<object, Handler>();

function handlerFor(env: DashboardEnv): Handler {
  let handler = handlers.get(env);
  if (handler) return handler;
  const stores = redisStoreSet(HttpTransport.connect(env.STEM_BROKER_URL), {
    namespace: env.STEM_NAMESPACE,
  });
  // A producer-only app: it never starts a worker here.
  const app = new StemAppBase(stores, { autoStart: false });
  const queues = env.STEM_DASHBOARD_QUEUES?.split(",").map((q) => q.trim()).filter(Boolean);
  const dashboard = stemDashboard(app, {
    auth: { bearer: env.STEM_DASHBOARD_TOKEN },
    ...(queues?.length ? { queues } : {}),
  });
  handler = async (request) => await dashboard.fetch(request);
  handlers.set(env, handler);
  return handler;
}

export default {
  fetch(request: Request, env: DashboardEnv): Promise<Response> {
    return handlerFor(env)(request);
  },
};
