// One real-socket smoke test of the HTTP API per runtime: Deno.serve under Deno, Bun.serve under Bun.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FunctionTaskHandler, StemApp } from "../mod.ts";
import { signRequest, stemApi } from "../src/http/mod.ts";
import { runtime } from "./helpers/runtime.ts";

type Fetch = (request: Request) => Response | Promise<Response>;
interface Served {
  port: number;
  stop: () => Promise<void>;
}

/** Serves `fetch` on a free loopback port with the runtime's own server. */
function serve(fetch: Fetch): Promise<Served> {
  // deno-lint-ignore no-explicit-any
  const g = globalThis as unknown as Record<string, any>;
  if (runtime === "bun") {
    const server = g.Bun.serve({ port: 0, hostname: "127.0.0.1", fetch });
    return Promise.resolve({ port: server.port, stop: async () => await server.stop(true) });
  }
  return new Promise((resolve) => {
    const server = g.Deno.serve({
      port: 0,
      hostname: "127.0.0.1",
      onListen: ({ port }: { port: number }) =>
        resolve({ port, stop: async () => await server.shutdown() }),
    }, fetch);
  });
}

test(`stemApi() over a real socket (${runtime === "bun" ? "Bun.serve" : "Deno.serve"})`, async () => {
  const app = await StemApp.inMemory({
    tasks: [new FunctionTaskHandler({ name: "echo", entrypoint: (_ctx, args) => args })],
  });
  await app.start();
  const secret = "c29ja2V0LXNlY3JldC1zb2NrZXQtc2VjcmV0IQ==";
  const api = stemApi(app.stem, {
    auth: { bearer: "t0ken-t0ken", hmac: { keys: { s1: secret } } },
  });
  const server = await serve(api.fetch);
  const base = `http://127.0.0.1:${server.port}`;
  try {
    const request = new Request(`${base}/v1/tasks/echo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ args: { hello: "socket" } }),
    });
    const response = await fetch(await signRequest(request, { keyId: "s1", secret }));
    assert.equal(response.status, 202);
    const { links } = await response.json();
    const waited = await fetch(`${base}${links.wait}?timeout=5s`, {
      method: "POST",
      headers: { authorization: "Bearer t0ken-t0ken" },
    });
    assert.deepEqual((await waited.json()).result, { hello: "socket" });
    const denied = await fetch(`${base}${links.self}`);
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get("content-type"), "application/problem+json");
    await denied.body?.cancel();
  } finally {
    await server.stop();
    await app.close();
  }
});
