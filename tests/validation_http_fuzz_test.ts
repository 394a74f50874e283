import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { FunctionTaskHandler, StemApp } from "../mod.ts";
import { enqueueRequestIssues } from "../src/core/envelope_validation.ts";
import { stemApi } from "../src/http/mod.ts";

const BASE = "http://stem.test";
let app: StemApp;
let api: ReturnType<typeof stemApi>;

function post(name: string, body: unknown): Request {
  return new Request(`${BASE}/v1/tasks/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function expectProblem(body: unknown, field: string): Promise<void> {
  const response = await api.request(post("echo", body));
  const text = await response.text();
  assert.equal(response.status, 400, `${JSON.stringify(body)} → ${response.status} ${text}`);
  assert.equal(response.headers.get("content-type"), "application/problem+json");
  const problem = JSON.parse(text);
  assert.equal(problem.code, "invalid-request");
  assert.equal(problem.field, field, text);
  assert.ok(problem.detail.includes(`"${field}"`), problem.detail);
}

/** Deterministic PRNG (mulberry32), so a failing body can be reproduced from its seed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SHAPES: unknown[] = [
  undefined,
  null,
  0,
  -1,
  1.5,
  9,
  12,
  "",
  "x",
  "abc",
  "2s",
  "tomorrow",
  "2030-01-01T00:00:00Z",
  "q{1}",
  "reports",
  true,
  [],
  [null],
  [{ name: 5 }],
  [{ name: "echo" }],
  [{ name: "echo", queue: "bad queue" }],
  {},
  { name: "echo" },
  { defaultDelay: "2s", backoff: true },
  { defaultDelay: "x" },
];

const FIELDS: Record<string, string[]> = {
  options: ["queue", "priority", "maxRetries", "retryPolicy", "visibilityTimeout", "acksLate"],
  enqueueOptions: [
    "taskId",
    "link",
    "linkError",
    "eta",
    "expires",
    "expiresAt",
    "countdown",
    "queue",
    "priority",
    "retryPolicy",
    "ignoreResult",
  ],
};

function fuzzBody(next: () => number): Record<string, unknown> {
  const pick = <T>(list: T[]): T => list[Math.floor(next() * list.length)];
  const body: Record<string, unknown> = {};
  for (const [group, keys] of Object.entries(FIELDS)) {
    if (next() < 0.3) continue;
    const fields: Record<string, unknown> = {};
    for (const key of keys) {
      const value = pick(SHAPES);
      if (next() < 0.35 && value !== undefined) fields[key] = value;
    }
    body[group] = next() < 0.05 ? pick(SHAPES) : fields;
  }
  if (next() < 0.2) body.args = pick([{ a: 1 }, [], "x", null, { deep: { er: [1, 2] } }]);
  if (next() < 0.1) body.headers = pick([{ a: "b" }, { a: 1 }, "x"]);
  if (next() < 0.1) body.meta = pick([{ a: 1 }, [], 5]);
  return body;
}

describe("POST /v1/tasks/:name refuses bad input with a 400 naming the field", () => {
  before(async () => {
    app = await StemApp.inMemory({
      tasks: [new FunctionTaskHandler({ name: "echo", entrypoint: () => "ok" })],
    });
    api = stemApi(app.stem, { auth: false, maxBodyBytes: 1_048_576, onError: () => {} });
  });
  after(async () => await app.close());

  const cases: [string, unknown, string][] = [
    ["taskId a number", { enqueueOptions: { taskId: 42 } }, "enqueueOptions.taskId"],
    ["taskId an object", { enqueueOptions: { taskId: { a: 1 } } }, "enqueueOptions.taskId"],
    ["taskId empty", { enqueueOptions: { taskId: "" } }, "enqueueOptions.taskId"],
    ["link a number", { enqueueOptions: { link: 5 } }, "enqueueOptions.link"],
    ['link "abc"', { enqueueOptions: { link: "abc" } }, "enqueueOptions.link"],
    ["link [null]", { enqueueOptions: { link: [null] } }, "enqueueOptions.link[0]"],
    ["link [{name:5}]", { enqueueOptions: { link: [{ name: 5 }] } }, "enqueueOptions.link[0].name"],
    [
      "linkError an object",
      { enqueueOptions: { linkError: { a: 1 } } },
      "enqueueOptions.linkError",
    ],
    ['maxRetries "x"', { options: { maxRetries: "x" } }, "options.maxRetries"],
    ["maxRetries -1", { options: { maxRetries: -1 } }, "options.maxRetries"],
    ['eta "tomorrow"', { enqueueOptions: { eta: "tomorrow" } }, "enqueueOptions.eta"],
    ['expires "soon"', { enqueueOptions: { expires: "soon" } }, "enqueueOptions.expires"],
    ["queue 5", { enqueueOptions: { queue: 5 } }, "enqueueOptions.queue"],
    ['retryPolicy "x"', { options: { retryPolicy: "x" } }, "options.retryPolicy"],
    ["an unknown option", { options: { maxRetires: 3 } }, "options.maxRetires"],
    ["args an array", { args: [1] }, "args"],
  ];
  for (const [label, body, field] of cases) {
    test(`${label} → 400 problem naming "${field}"`, () => expectProblem(body, field));
  }

  test("20,000-deep args are a 400, not a crash", async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    const response = await api.request(post("echo", { args: deep }));
    assert.equal(response.status, 400);
    assert.match((await response.json()).detail, /nested deeper than 200 levels/);
  });

  test("eta and expires as ISO strings and durations are stored as epoch ms, never NaN", async () => {
    const response = await api.request(post("echo", {
      enqueueOptions: { eta: "2030-01-01T00:00:00Z", expires: "1h", countdown: "5s" },
    }));
    assert.equal(response.status, 202);
    const { id } = await response.json();
    const status = await app.stem.getTaskStatus(id);
    assert.equal(status?.state, "queued");
    assert.equal((await app.broker.counts("default")).delayed, 1);
  });

  test("fuzz: 400 seeded bodies never get a 5xx, and every 202 was a valid request", async () => {
    const next = random(20260501);
    const seen = { accepted: 0, refused: 0 };
    for (let i = 0; i < 400; i++) {
      const body = fuzzBody(next);
      const response = await api.request(post("echo", body));
      const text = await response.text();
      assert.ok(response.status < 500, `body #${i} ${JSON.stringify(body)} → ${text}`);
      if (response.status === 202) {
        seen.accepted++;
        const issues = enqueueRequestIssues(body, { rejectUnknownFields: true });
        assert.deepEqual(issues, [], `accepted #${i} ${JSON.stringify(body)}`);
        assert.ok(Array.isArray(body.args) === false);
      } else {
        seen.refused++;
        assert.equal(response.headers.get("content-type"), "application/problem+json");
        const problem = JSON.parse(text);
        assert.equal(typeof problem.detail, "string");
        assert.ok([400, 404, 409, 422].includes(response.status), text);
      }
    }
    // Both branches must have run, or the generator is not exercising anything.
    assert.ok(seen.accepted > 20 && seen.refused > 20, JSON.stringify(seen));
  });
});
