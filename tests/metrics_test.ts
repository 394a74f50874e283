// Task metrics: Prometheus text parsed back (counts by task/queue/outcome, histogram buckets,
// in-flight, queue depths), the same counts through the real OpenTelemetry metrics SDK, and the
// HTTP API's /v1/metrics route behind its auth.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { FunctionTaskHandler, StemApp, TaskMetrics } from "../mod.ts";
import { stemApi } from "../src/http/mod.ts";

class CollectingReader extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** `name{labels} value` lines as [name, labels, value]; comments checked for HELP and TYPE. */
function parse(
  text: string,
): { samples: [string, Record<string, string>, number][]; types: Map<string, string> } {
  const samples: [string, Record<string, string>, number][] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram)$/.exec(line);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    if (line.startsWith("# HELP ")) continue;
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]] = pair[2];
    }
    samples.push([match[1], labels, Number(match[3])]);
  }
  return { samples, types };
}

function sample(
  parsed: ReturnType<typeof parse>,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  const found = parsed.samples.find(([n, l]) =>
    n === name && Object.entries(labels).every(([k, v]) => l[k] === v) &&
    Object.keys(l).length === Object.keys(labels).length
  );
  return found?.[2];
}

async function runWorkload(metrics: TaskMetrics, app: StemApp): Promise<void> {
  const ids = await Promise.all([1, 2, 3].map((n) => app.stem.enqueue("m.ok", { args: { n } })));
  for (const id of ids) await app.stem.waitForTask(id, { timeout: "10s" });
  const broken = await app.stem.enqueue("m.broken");
  assert.equal((await app.stem.waitForTask(broken, { timeout: "10s" })).state, "failed");
  assert.equal(metrics.value("stem_tasks_inflight", { task: "m.ok", queue: "default" }), 0);
}

function openApp(metrics: TaskMetrics): Promise<StemApp> {
  return StemApp.inMemory({
    middleware: [metrics.middleware()],
    retryStrategy: { nextDelay: () => 0 },
    tasks: [
      new FunctionTaskHandler({ name: "m.ok", entrypoint: (_ctx, args) => args.n }),
      new FunctionTaskHandler({
        name: "m.broken",
        options: { maxRetries: 1 },
        entrypoint: () => {
          throw new Error("nope");
        },
      }),
    ],
  });
}

test("Prometheus text counts enqueues, starts, outcomes, durations and queue depths", async () => {
  const metrics = new TaskMetrics();
  const app = await openApp(metrics);
  metrics.trackQueues(app.stores, ["default"]);
  try {
    await runWorkload(metrics, app);
    const parsed = parse(await metrics.prometheus());
    const ok = { task: "m.ok", queue: "default" };
    const broken = { task: "m.broken", queue: "default" };
    assert.equal(parsed.types.get("stem_tasks_enqueued_total"), "counter");
    assert.equal(parsed.types.get("stem_task_duration_ms"), "histogram");
    assert.equal(sample(parsed, "stem_tasks_enqueued_total", ok), 3);
    assert.equal(sample(parsed, "stem_tasks_enqueued_total", broken), 1);
    assert.equal(sample(parsed, "stem_tasks_started_total", ok), 3);
    assert.equal(sample(parsed, "stem_tasks_started_total", broken), 2);
    assert.equal(sample(parsed, "stem_tasks_finished_total", { ...ok, outcome: "succeeded" }), 3);
    assert.equal(sample(parsed, "stem_tasks_finished_total", { ...broken, outcome: "retried" }), 1);
    assert.equal(sample(parsed, "stem_tasks_finished_total", { ...broken, outcome: "failed" }), 1);
    assert.equal(sample(parsed, "stem_tasks_inflight", ok), 0);
    assert.equal(sample(parsed, "stem_task_duration_ms_count", ok), 3);
    assert.equal(sample(parsed, "stem_task_duration_ms_bucket", { ...ok, le: "+Inf" }), 3);
    const buckets = parsed.samples.filter(([n, l]) =>
      n === "stem_task_duration_ms_bucket" && l.task === "m.ok"
    ).map(([, , v]) => v);
    assert.deepEqual(buckets, [...buckets].sort((a, b) => a - b), "buckets are cumulative");
    assert.equal(sample(parsed, "stem_queue_messages", { queue: "default", state: "dead" }), 1);
    assert.equal(sample(parsed, "stem_queue_messages", { queue: "default", state: "pending" }), 0);
  } finally {
    await app.close();
  }
});

test("the same measurements reach an OpenTelemetry meter", async () => {
  const reader = new CollectingReader();
  const provider = new MeterProvider({ readers: [reader] });
  const metrics = new TaskMetrics({ meter: provider.getMeter("stem-test") });
  const app = await openApp(metrics);
  try {
    await runWorkload(metrics, app);
    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const byName = (name: string) => all.find((m) => m.descriptor.name === name);
    const started = byName("stem.tasks.started")!;
    const total = (started.dataPoints as { value: number; attributes: Record<string, unknown> }[])
      .filter((p) => p.attributes.task === "m.ok").reduce((sum, p) => sum + p.value, 0);
    assert.equal(total, 3);
    const finished = byName("stem.tasks.finished")!.dataPoints as {
      value: number;
      attributes: Record<string, unknown>;
    }[];
    assert.equal(finished.find((p) => p.attributes.outcome === "failed")?.value, 1);
    const duration = byName("stem.task.duration")!;
    assert.equal(duration.descriptor.unit, "ms");
  } finally {
    await app.close();
    await provider.shutdown();
  }
});

test("GET /v1/metrics serves the text format behind the API's auth", async () => {
  const metrics = new TaskMetrics();
  const app = await openApp(metrics);
  try {
    await runWorkload(metrics, app);
    const api = stemApi(app.stem, { auth: { bearer: "scrape-token-123" }, metrics });
    const denied = await api.request("/v1/metrics");
    assert.equal(denied.status, 401);
    const res = await api.request("/v1/metrics", {
      headers: { authorization: "Bearer scrape-token-123" },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const parsed = parse(await res.text());
    assert.equal(sample(parsed, "stem_tasks_started_total", { task: "m.ok", queue: "default" }), 3);
  } finally {
    await app.close();
  }
});

test("revocations, deduplicated enqueues and lease renewals are counted", async () => {
  const metrics = new TaskMetrics();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const app = await StemApp.inMemory({
    middleware: [metrics.middleware()],
    tasks: [
      new FunctionTaskHandler({ name: "m.plain", entrypoint: () => 1 }),
      new FunctionTaskHandler({
        name: "m.unique",
        options: { unique: true, visibilityTimeout: "300ms" },
        entrypoint: async () => {
          await gate;
          return 2;
        },
      }),
    ],
  });
  const off = metrics.observe(app.signals);
  try {
    await app.revoke("m-revoked", { reason: "withdrawn" });
    const revoked = await app.stem.enqueue("m.plain", { enqueueOptions: { taskId: "m-revoked" } });
    assert.equal((await app.stem.waitForTask(revoked, { timeout: "10s" })).state, "cancelled");

    const renewal = app.signals.taskLeaseRenewed.next((p) => p.name === "m.unique");
    const first = await app.stem.enqueue("m.unique", { args: { k: 1 } });
    const second = await app.stem.enqueueDetailed("m.unique", { args: { k: 1 } });
    assert.deepEqual(second, { id: first, deduplicated: true, existingId: first });
    assert.equal((await renewal).result, "renewed");
    release();
    assert.equal((await app.stem.waitForTask(first, { timeout: "10s" })).state, "succeeded");

    const parsed = parse(await metrics.prometheus());
    assert.equal(parsed.types.get("stem_tasks_revoked_total"), "counter");
    assert.equal(
      sample(parsed, "stem_tasks_revoked_total", { task: "m.plain", queue: "default" }),
      1,
    );
    assert.equal(
      sample(parsed, "stem_tasks_deduplicated_total", {
        task: "m.unique",
        queue: "default",
        mode: "until-complete",
      }),
      1,
    );
    const renewed = sample(parsed, "stem_lease_renewals_total", {
      queue: "default",
      result: "renewed",
    });
    assert.ok(renewed !== undefined && renewed >= 1, `renewals: ${renewed}`);
  } finally {
    release();
    off();
    await app.close();
  }
});
