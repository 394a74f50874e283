// The producer side of an edge deployment, shared by the Cloudflare, Deno and Bun entries:
// read STEM_* settings from the host's environment, connect to Redis over HTTP (Upstash REST or
// `stem redis-http`), sign every envelope, and serve the HTTP API. Nothing here is runtime-specific.
//
// In your own project, import from the package instead:
//   "@stem/stem/producer", "@stem/stem/http", "@stem/stem/redis/http" (the edge entry of the Redis
//   adapter: HTTP only, no node-redis).
import { PayloadSigner, Stem, StemConfig } from "../../producer.ts";
import { stemApi } from "../../src/http/mod.ts";
import {
  HttpTransport,
  RedisResultBackend,
  RedisStreamsBroker,
} from "../../adapters/redis/http/mod.ts";

/** The variables the edge app reads besides the standard `STEM_*` ones. */
export interface EdgeEnv {
  /** Bearer token API callers must send. */
  STEM_API_TOKEN?: string;
  /** Comma-separated task names the API may enqueue (default: any). */
  STEM_API_TASKS?: string;
  [name: string]: unknown;
}

/** A fetch handler: what Workers, `Deno.serve` and `Bun.serve` all take. */
export type FetchHandler = (request: Request) => Promise<Response>;

/** Builds the producer and its HTTP API from an environment record. */
export function createEdgeApp(env: EdgeEnv): FetchHandler {
  const config = StemConfig.fromEnvironment(env);
  const signer = PayloadSigner.maybe(config.signing);
  if (!signer?.canSign) {
    throw new Error("The edge producer signs everything: set STEM_SIGNING_* with a signing key.");
  }
  const transport = HttpTransport.connect(config.brokerUrl);
  const stem = new Stem({
    broker: new RedisStreamsBroker(transport),
    backend: new RedisResultBackend(transport),
    signer,
  });
  const token = typeof env.STEM_API_TOKEN === "string" ? env.STEM_API_TOKEN : "";
  if (!token) throw new Error("Set STEM_API_TOKEN: the bearer token API callers must send.");
  const tasks = typeof env.STEM_API_TASKS === "string"
    ? env.STEM_API_TASKS.split(",").map((t) => t.trim()).filter(Boolean)
    : undefined;
  const app = stemApi(stem, { auth: { bearer: token }, tasks });
  return async (request) => await app.fetch(request);
}

const apps = new WeakMap<object, FetchHandler>();

/** One app per environment object (a Workers isolate keeps its `env` for its lifetime). */
export function edgeAppFor(env: EdgeEnv): FetchHandler {
  let app = apps.get(env);
  if (!app) apps.set(env, app = createEdgeApp(env));
  return app;
}
