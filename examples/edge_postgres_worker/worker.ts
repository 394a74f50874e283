// A Cloudflare Worker that produces and consumes Stem tasks over PostgreSQL: the Postgres
// adapter with postgres.js over Workers' TCP sockets (compatibility flag `nodejs_compat`).
// `POST /enqueue?n=7` enqueues `edge.cube`; `POST /drain` (bearer token) drains the queue.
// Bundle: node examples/edge_cloudflare/build.mjs is for Redis HTTP; this one also needs
// `node:*` and `cloudflare:*` external (see tests/edge_postgres_worker_test.ts).
//
// In your own project, import from the package: "@stem/stem" (StemAppBase, FunctionTaskHandler),
// "@stem/stem/postgres" (stemAdapter), "@stem/stem/http" (stemPushHandler).
import { FunctionTaskHandler } from "../../src/core/task_handler.ts";
import { StemAppBase } from "../../src/bootstrap/stem_app_base.ts";
import { stemPushHandler } from "../../src/http/mod.ts";
import { stemAdapter } from "../../adapters/postgres/mod.ts";

/** The Worker's bindings. */
export interface PgWorkerEnv {
  /** `postgres://user:password@host:5432/db` (or a Hyperdrive binding's connection string). */
  DATABASE_URL: string;
  /** Bearer token a dispatcher sends to `POST /drain`. */
  STEM_PUSH_TOKEN: string;
}

const tasks = [
  new FunctionTaskHandler({
    name: "edge.cube",
    entrypoint: (_ctx, args) => Number(args.n) ** 3,
  }),
];

// Workers do not share sockets between requests, so each request opens its app and closes it.
async function withApp(env: PgWorkerEnv, fn: (app: StemAppBase) => Promise<Response>) {
  const app = new StemAppBase(await stemAdapter.connect!(env.DATABASE_URL), {
    tasks,
    autoStart: false,
  });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

export default {
  fetch(request: Request, env: PgWorkerEnv): Promise<Response> {
    const url = new URL(request.url);
    return withApp(env, async (app) => {
      if (request.method === "POST" && url.pathname === "/enqueue") {
        const id = await app.stem.enqueue("edge.cube", {
          args: { n: Number(url.searchParams.get("n")) },
        });
        return Response.json({ id }, { status: 202 });
      }
      const push = stemPushHandler(app, { auth: { bearer: env.STEM_PUSH_TOKEN }, budget: "20s" });
      return push(request);
    });
  },
};
