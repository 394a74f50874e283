// The edge producer under Bun: serves the Stem HTTP API.   bun examples/edge_bun/server.ts
import process from "node:process";
import { edgeAppFor, type FetchHandler } from "../edge_common/edge_app.ts";

interface BunServe {
  serve(options: { hostname: string; port: number; fetch: FetchHandler }): {
    hostname: string;
    port: number;
  };
}

const env = process.env as Record<string, string | undefined>;
const app = edgeAppFor(env);
const server = (globalThis as unknown as { Bun: BunServe }).Bun.serve({
  hostname: env.HOSTNAME ?? "127.0.0.1",
  port: Number(env.PORT ?? 8000),
  fetch: app,
});
console.log(`listening on http://${server.hostname}:${server.port}`);
