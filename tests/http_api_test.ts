import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { FunctionTaskHandler, InMemoryBroker, Stem, StemApp } from "../mod.ts";
import { signRequest, stemApi } from "../src/http/mod.ts";
import { gate } from "./helpers/app.ts";

const TOKEN = "api-token-0123456789";
const API_SECRET = "YXBpLXNlY3JldC1hcGktc2VjcmV0LWFwaS1zZWNyZXQ=";
const BASE = "http://stem.test";

const held = gate();
const tasks = [
  new FunctionTaskHandler({
    name: "math.add",
    metadata: { argsSchema: z.object({ a: z.number(), b: z.number() }) },
    entrypoint: (_ctx, args: { a: number; b: number }) => args.a + args.b,
  }),
  new FunctionTaskHandler({ name: "slow.task", entrypoint: () => held.promise.then(() => "late") }),
  new FunctionTaskHandler({ name: "admin.wipe", entrypoint: () => "wiped" }),
];

let app: StemApp;
let api: ReturnType<typeof stemApi>;

function post(path: string, body?: unknown, headers: Record<string, string> = {}): Request {
  return new Request(`${BASE}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function problem(response: Response, status: number, code: string) {
  assert.equal(response.status, status);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  const body = await response.json();
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(body.type, `urn:stem:problem:${code}`);
  assert.equal(typeof body.title, "string");
  assert.equal(typeof body.detail, "string");
  return body;
}

describe("stemApi()", () => {
  before(async () => {
    app = await StemApp.inMemory({ tasks });
    await app.start();
    api = stemApi(app.stem, {
      auth: { bearer: [TOKEN], hmac: { keys: { caller1: API_SECRET } } },
      tasks: (name) => !name.startsWith("admin."),
      maxBodyBytes: 1024,
      maxWait: "5s",
      onError: () => {},
    });
  });
  after(async () => {
    held.open();
    await app.close();
  });

  test("POST /v1/tasks/:name enqueues (202 + Location), /wait returns the decoded result", async () => {
    const response = await api.request(post("/v1/tasks/math.add", { args: { a: 2, b: 3 } }));
    assert.equal(response.status, 202);
    const body = await response.json();
    assert.equal(body.name, "math.add");
    assert.equal(body.state, "queued");
    assert.equal(response.headers.get("location"), `/v1/tasks/${body.id}`);
    const waited = await api.request(post(`/v1/tasks/${body.id}/wait?timeout=5s`));
    assert.equal(waited.status, 200);
    const view = await waited.json();
    assert.equal(view.state, "succeeded");
    assert.equal(view.result, 5);
    assert.equal(view.timedOut, false);
    const status = await api.request(`${BASE}/v1/tasks/${body.id}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal((await status.json()).result, 5);
  });

  test("enqueue options pass through: queue, taskId (duplicate is 409), ISO eta", async () => {
    const taskId = `fixed-${crypto.randomUUID()}`;
    const eta = new Date(Date.now() + 60_000).toISOString();
    const first = await api.request(post("/v1/tasks/math.add", {
      args: { a: 1, b: 1 },
      enqueueOptions: { taskId, eta },
      meta: { origin: "http" },
    }));
    assert.equal(first.status, 202);
    assert.equal((await first.json()).id, taskId);
    const status = await app.backend.get(taskId);
    assert.equal(status?.meta.origin, "http");
    assert.equal((await app.broker.counts("default")).delayed, 1);
    const again = await api.request(post("/v1/tasks/math.add", {
      args: { a: 1, b: 1 },
      enqueueOptions: { taskId },
    }));
    await problem(again, 409, "duplicate-task-id");
    await app.broker.purge("default");
  });

  test("a /wait that outlasts its timeout answers 200 with timedOut: true", async () => {
    const id = (await (await api.request(post("/v1/tasks/slow.task"))).json()).id;
    const response = await api.request(post(`/v1/tasks/${id}/wait?timeout=30`));
    const view = await response.json();
    assert.equal(response.status, 200);
    assert.equal(view.timedOut, true);
    assert.notEqual(view.state, "succeeded");
    held.open();
    const done = await (await api.request(post(`/v1/tasks/${id}/wait`))).json();
    assert.equal(done.result, "late");
  });

  test("HMAC-signed requests are accepted; tampering, stale timestamps and unknown keys are not", async () => {
    const request = () =>
      post("/v1/tasks/math.add", { args: { a: 4, b: 4 } }, { authorization: "" });
    const signed = await signRequest(request(), { keyId: "caller1", secret: API_SECRET });
    assert.equal((await api.request(signed)).status, 202);

    const original = await signRequest(request(), { keyId: "caller1", secret: API_SECRET });
    const tampered = new Request(original, { body: JSON.stringify({ args: { a: 400, b: 4 } }) });
    const t = await problem(await api.request(tampered), 401, "unauthorized");
    assert.match(t.detail, /signature does not match/);

    const stale = await signRequest(request(), {
      keyId: "caller1",
      secret: API_SECRET,
      now: Date.now() - 10 * 60_000,
    });
    assert.match((await problem(await api.request(stale), 401, "unauthorized")).detail, /within/);

    const stranger = await signRequest(request(), { keyId: "nobody", secret: API_SECRET });
    await problem(await api.request(stranger), 401, "unauthorized");
  });

  test("missing or wrong bearer tokens are 401 with WWW-Authenticate", async () => {
    const none = await api.request(`${BASE}/v1/tasks/whatever`);
    await problem(none, 401, "unauthorized");
    assert.equal(none.headers.get("www-authenticate"), 'Bearer realm="stem"');
    const wrong = await api.request(
      post("/v1/tasks/math.add", {}, { authorization: "Bearer nope" }),
    );
    await problem(wrong, 401, "unauthorized");
  });

  test("every client error is a problem+json document with the right status", async () => {
    const unknown = await problem(
      await api.request(post("/v1/tasks/no.such.task")),
      404,
      "unknown-task",
    );
    assert.equal(unknown.task, "no.such.task");
    assert.equal(unknown.instance, "/v1/tasks/no.such.task");
    await problem(await api.request(post("/v1/tasks/admin.wipe")), 404, "unknown-task");
    await problem(
      await api.request(post("/v1/tasks/math.add", {
        enqueueOptions: { link: [{ name: "admin.wipe" }] },
      })),
      404,
      "unknown-task",
    );
    const invalid = await problem(
      await api.request(post("/v1/tasks/math.add", { args: { a: "two", b: 3 } })),
      422,
      "validation-failed",
    );
    assert.deepEqual(invalid.issues[0].path, ["a"]);
    const badJson = new Request(post("/v1/tasks/math.add"), { body: "{nope" });
    await problem(await api.request(badJson), 400, "invalid-json");
    const text = post("/v1/tasks/math.add", undefined, { "content-type": "text/plain" });
    await problem(
      await api.request(new Request(text, { body: "a=1" })),
      415,
      "unsupported-media-type",
    );
    await problem(
      await api.request(post("/v1/tasks/math.add", { arg: {} })),
      400,
      "invalid-request",
    );
    await problem(
      await api.request(post("/v1/tasks/math.add", { args: [1] })),
      400,
      "invalid-request",
    );
    await problem(
      await api.request(
        post("/v1/tasks/math.add", { args: { a: 1, b: 1 }, enqueueOptions: { priority: 42 } }),
      ),
      400,
      "invalid-request",
    );
    const known =
      (await (await api.request(post("/v1/tasks/math.add", { args: { a: 1, b: 2 } }))).json()).id;
    await problem(
      await api.request(post(`/v1/tasks/${known}/wait?timeout=soon`)),
      400,
      "invalid-request",
    );
    await problem(
      await api.request(`${BASE}/v1/tasks/missing-id`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
      404,
      "not-found",
    );
    await problem(await api.request(`${BASE}/v2/nothing`), 404, "not-found");
  });

  test("bodies over the limit are 413, with or without Content-Length", async () => {
    const big = { args: { a: 1, b: 2, pad: "x".repeat(2000) } };
    await problem(await api.request(post("/v1/tasks/math.add", big)), 413, "payload-too-large");
    const chunks = new TextEncoder().encode(JSON.stringify(big));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < chunks.length; i += 100) controller.enqueue(chunks.slice(i, i + 100));
        controller.close();
      },
    });
    const streamed = new Request(`${BASE}/v1/tasks/math.add`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    assert.equal(streamed.headers.get("content-length"), null);
    await problem(await api.request(streamed), 413, "payload-too-large");
  });

  test("GET /v1/openapi.json describes the API without credentials", async () => {
    const response = await api.request(`${BASE}/v1/openapi.json`);
    assert.equal(response.status, 200);
    const doc = await response.json();
    assert.equal(doc.openapi, "3.1.0");
    assert.deepEqual(Object.keys(doc.paths).sort(), [
      "/v1/tasks/{id}",
      "/v1/tasks/{id}/wait",
      "/v1/tasks/{name}",
    ]);
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ["bearer", "hmac"]);
  });
});

describe("stemApi() server errors", () => {
  test("an unexpected failure is a 500 that hides internals and is reported", async () => {
    const broker = new InMemoryBroker();
    broker.publish = () => Promise.reject(new Error("connection string redis://:hunter2@db"));
    const reported: unknown[] = [];
    const api = stemApi(new Stem({ broker }), { auth: false, onError: (e) => reported.push(e) });
    const response = await api.request(post("/v1/tasks/anything"));
    const body = await problem(response, 500, "internal");
    assert.ok(!JSON.stringify(body).includes("hunter2"));
    assert.equal(reported.length, 1);
    await broker.close?.();
  });

  test("status routes without a result backend are 501", async () => {
    const api = stemApi(new Stem({ broker: new InMemoryBroker() }), { auth: false });
    await problem(await api.request(`${BASE}/v1/tasks/some-id`), 501, "no-backend");
    assert.equal((await api.request(post("/v1/tasks/anything"))).status, 202);
  });

  test("auth must be configured explicitly", () => {
    assert.throws(
      () => stemApi(new Stem({ broker: new InMemoryBroker() }), { auth: {} }),
      /bearer/,
    );
  });
});
