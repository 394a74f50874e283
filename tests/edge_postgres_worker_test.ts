// The Postgres adapter on the edge: examples/edge_postgres_worker/ in real workerd (miniflare,
// `nodejs_compat`) enqueues and drains over a real PostgreSQL with postgres.js through Workers'
// TCP sockets; this process (Deno or Bun) reads the results from the same database.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { StemApp } from "../mod.ts";
import {
  type PostgresServer,
  postgresSkipReason,
  startPostgres,
} from "./helpers/postgres_server.ts";

const PUSH_TOKEN = "pg-push-token-1234";

describe("A Worker on Postgres in workerd", { skip: postgresSkipReason() }, () => {
  let pg: PostgresServer;
  let mf: Miniflare;
  let reader: StemApp;

  before(async () => {
    pg = await startPostgres();
    const bundle = await build({
      entryPoints: ["examples/edge_postgres_worker/worker.ts"],
      bundle: true,
      format: "esm",
      platform: "browser",
      conditions: ["workerd", "worker", "browser"],
      target: "es2022",
      external: ["node:*", "cloudflare:*"],
      write: false,
      logLevel: "error",
    });
    mf = new Miniflare({
      modules: true,
      script: bundle.outputFiles[0].text,
      compatibilityDate: "2025-01-01",
      compatibilityFlags: ["nodejs_compat"],
      bindings: { DATABASE_URL: pg.url, STEM_PUSH_TOKEN: PUSH_TOKEN },
    });
    reader = await StemApp.fromUrl(pg.url, { autoStart: false });
  });

  after(async () => {
    await mf?.dispose();
    await reader?.close();
    await pg?.stop();
  });

  test("the Worker produces and consumes over postgres.js; this process reads the results", async () => {
    const ids: string[] = [];
    for (const n of [2, 3]) {
      const response = await mf.dispatchFetch(`http://edge.test/enqueue?n=${n}`, {
        method: "POST",
      });
      const body = await response.text();
      assert.equal(response.status, 202, body);
      ids.push(JSON.parse(body).id);
    }
    const denied = await mf.dispatchFetch("http://edge.test/drain", { method: "POST" });
    assert.equal(denied.status, 401);
    await denied.text();
    const drained = await mf.dispatchFetch("http://edge.test/drain", {
      method: "POST",
      headers: { authorization: `Bearer ${PUSH_TOKEN}` },
    });
    const summary = await drained.json() as { succeeded: number; stoppedBy: string };
    assert.equal(drained.status, 200, JSON.stringify(summary));
    assert.equal(summary.succeeded, 2);
    assert.equal(summary.stoppedBy, "empty");
    const results = await Promise.all(ids.map((id) => reader.backend.get(id)));
    assert.deepEqual(results.map((s) => [s?.state, s?.result]), [["succeeded", 8], [
      "succeeded",
      27,
    ]]);
  });
});
