// Stem's dashboard next to Bull Board on the same workload, in headless Chromium.
//
// Starts a real redis-server, puts one workload through BullMQ (queue "orders") and through Stem
// (queue "orders"): 20 completed, 3 failed at once with an error, 2 retried twice then completed,
// 2 retried until dead-lettered (BullMQ: failed after its attempts), 3 delayed by an hour and 1
// running. Serves Bull Board (@bull-board/hono) and `stemDashboard` on loopback, opens both in
// Chromium (requests to any other host are aborted and counted: Bull Board asks for a web font
// from a CDN), loads each view LOADS times with the browser cache off and LOADS times with it
// on, saves screenshots and prints one JSON object: per view the p50/p95 time until its data is
// on screen, bytes, requests, and the text it shows. Not part of the test suite.
//
// Run: `node_modules/.bin/deno run -A bench/dashboard_compare.ts` (set COMPARE_SHOTS=docs/images
// to refresh the docs' screenshots; they are written as PNG, palette-quantised by pngquant when
// it is installed).
import process from "node:process";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hono } from "hono";
import { serveStatic } from "hono/deno";
import { Queue, Worker } from "bullmq";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import type { CDPSession, Page } from "playwright-core";
import { FunctionTaskHandler, StemApp } from "../mod.ts";
import { stemDashboard } from "../src/dashboard/mod.ts";
import { serveFetch } from "../workers/runtime/serve.ts";
import { startRedisServer } from "../tests/helpers/redis_server.ts";
import { launchChromium } from "../tests/helpers/chromium.ts";

const LOADS = Number(process.env.COMPARE_LOADS ?? 20);
const SHOTS = process.env.COMPARE_SHOTS;
const HOUR = 3_600_000;
const WORKLOAD = { completed: 20, failed: 3, retried: 2, deadLettered: 2, delayed: 3, running: 1 };

function stats(samples: number[]): { p50: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: Number(at(0.5).toFixed(1)), p95: Number(at(0.95).toFixed(1)) };
}

/** A promise the running task waits on until the script ends. */
function gate(): { wait: Promise<void>; open(): void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

async function bullWorkload(url: string, release: Promise<void>) {
  const connection = { url, maxRetriesPerRequest: null };
  const queue = new Queue("orders", { connection });
  const flaky = new Map<string, number>();
  const worker = new Worker("orders", async (job) => {
    switch (job.name) {
      case "orders.process":
        await job.updateProgress(100);
        return { order: job.data.order, total: 42 };
      case "orders.charge":
        throw new Error(`card declined for order ${job.data.order}`);
      case "orders.flaky": {
        const n = (flaky.get(job.id!) ?? 0) + 1;
        flaky.set(job.id!, n);
        if (n <= 2) throw new Error(`warehouse timeout (attempt ${n})`);
        return "shipped";
      }
      case "orders.exhaust":
        throw new Error("address does not exist");
      case "orders.report":
        await job.updateProgress(40);
        await release;
        return "done";
    }
  }, { connection, concurrency: 8 });
  const add = (name: string, data: object, opts: object = {}) => queue.add(name, data, opts);
  const backoff = { type: "fixed", delay: 20 };
  for (let i = 0; i < WORKLOAD.completed; i++) await add("orders.process", { order: i });
  for (let i = 0; i < WORKLOAD.failed; i++) {
    await add("orders.charge", { order: 100 + i }, { attempts: 1 });
  }
  for (let i = 0; i < WORKLOAD.retried; i++) {
    await add("orders.flaky", { order: 200 + i }, { attempts: 4, backoff });
  }
  for (let i = 0; i < WORKLOAD.deadLettered; i++) {
    await add("orders.exhaust", { order: 300 + i }, { attempts: 3, backoff });
  }
  for (let i = 0; i < WORKLOAD.delayed; i++) {
    await add("orders.process", { order: 400 + i }, { delay: HOUR });
  }
  await add("orders.report", { month: "2026-11" });
  const want = WORKLOAD.completed + WORKLOAD.retried;
  const wantFailed = WORKLOAD.failed + WORKLOAD.deadLettered;
  for (let i = 0; i < 500; i++) {
    const c = await queue.getJobCounts("completed", "failed", "active");
    if (c.completed === want && c.failed === wantFailed && c.active === 1) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const failedJob = (await queue.getFailed()).find((job) => job.name === "orders.charge")!;
  return {
    queue,
    failedJobId: failedJob.id!,
    counts: await queue.getJobCounts(),
    async close() {
      await worker.close(true);
      await queue.close();
    },
  };
}

async function stemWorkload(url: string, release: Promise<void>) {
  const flaky = new Map<string, number>();
  const app = await StemApp.fromUrl(url, {
    connect: { namespace: "compare" },
    queues: ["orders"],
    concurrency: 8,
    tasks: [
      new FunctionTaskHandler({
        name: "orders.process",
        options: { queue: "orders" },
        entrypoint: async (ctx, args) => {
          await ctx.progress(100);
          return { order: args.order, total: 42 };
        },
      }),
      new FunctionTaskHandler({
        name: "orders.charge",
        options: { queue: "orders", maxRetries: 0 },
        entrypoint: (_ctx, args) => {
          throw new Error(`card declined for order ${args.order}`);
        },
      }),
      new FunctionTaskHandler({
        name: "orders.flaky",
        options: { queue: "orders", maxRetries: 3, retryPolicy: { defaultDelay: 20 } },
        entrypoint: (ctx) => {
          const n = (flaky.get(ctx.id) ?? 0) + 1;
          flaky.set(ctx.id, n);
          if (n <= 2) throw new Error(`warehouse timeout (attempt ${n})`);
          return "shipped";
        },
      }),
      new FunctionTaskHandler({
        name: "orders.exhaust",
        options: { queue: "orders", maxRetries: 2, retryPolicy: { defaultDelay: 20 } },
        entrypoint: () => {
          throw new Error("address does not exist");
        },
      }),
      new FunctionTaskHandler({
        name: "orders.report",
        options: { queue: "orders" },
        entrypoint: async (ctx) => {
          await ctx.progress(40);
          await release;
          return "done";
        },
      }),
    ],
  });
  await app.start();
  const enqueue = (name: string, args: Record<string, number | string>, countdown?: number) =>
    app.stem.enqueue(name, { args, ...(countdown ? { enqueueOptions: { countdown } } : {}) });
  const finite: string[] = [];
  for (let i = 0; i < WORKLOAD.completed; i++) {
    finite.push(await enqueue("orders.process", { order: i }));
  }
  const failedIds: string[] = [];
  for (let i = 0; i < WORKLOAD.failed; i++) {
    failedIds.push(await enqueue("orders.charge", { order: 100 + i }));
  }
  for (let i = 0; i < WORKLOAD.retried; i++) {
    finite.push(await enqueue("orders.flaky", { order: 200 + i }));
  }
  for (let i = 0; i < WORKLOAD.deadLettered; i++) {
    finite.push(await enqueue("orders.exhaust", { order: 300 + i }));
  }
  for (let i = 0; i < WORKLOAD.delayed; i++) {
    await enqueue("orders.process", { order: 400 + i }, HOUR);
  }
  const running = await enqueue("orders.report", { month: "2026-11" });
  await Promise.all(
    [...finite, ...failedIds].map((id) => app.stem.waitForTask(id, { timeout: "30s" })),
  );
  for (let i = 0; i < 500; i++) {
    if ((await app.stem.getTaskStatus(running))?.state === "running") break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    app,
    failedTaskId: failedIds[0],
    counts: await app.stores.broker.counts("orders"),
  };
}

interface View {
  /** What the view is. */
  name: string;
  /** Its URL. */
  url: string;
  /** A selector that is on screen once the data is. */
  ready: string;
  /** Screenshot file name under COMPARE_SHOTS. */
  shot?: string;
}

/** LOADS loads of a view: time until its data shows, and the last load's bytes and requests. */
async function load(page: Page, view: View) {
  const times: number[] = [];
  let bytes = 0;
  let requests = 0;
  let blocked = 0;
  for (let i = 0; i < LOADS; i++) {
    const sizes: Promise<number>[] = [];
    let count = 0;
    let external = 0;
    const onRequest = (request: import("playwright-core").Request) => {
      count++;
      if (!request.url().startsWith("http://127.0.0.1")) external++;
    };
    const onFinished = (request: import("playwright-core").Request) => {
      sizes.push(
        request.sizes().then((s) => s.responseBodySize + s.responseHeadersSize, () => 0),
      );
    };
    page.on("request", onRequest);
    page.on("requestfinished", onFinished);
    const started = performance.now();
    await page.goto(view.url, { waitUntil: "commit" });
    await page.waitForSelector(view.ready, { state: "visible" }).catch(async (error) => {
      const seen = (await page.locator("body").innerText()).slice(0, 400);
      throw new Error(`${view.name} (${view.url}) never showed ${view.ready}; it shows: ${seen}`, {
        cause: error,
      });
    });
    await page.waitForLoadState("load");
    times.push(performance.now() - started);
    // Let requests the data view started after "load" finish being counted (never the stream).
    await page.waitForTimeout(150);
    page.off("request", onRequest);
    page.off("requestfinished", onFinished);
    bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
    requests = count;
    blocked = external;
  }
  return { times, kb: Number((bytes / 1024).toFixed(1)), requests, blocked };
}

async function measureView(page: Page, cdp: CDPSession, view: View) {
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  const cold = await load(page, view);
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: false });
  const warm = await load(page, view);
  const text = (await page.locator("body").innerText()).replace(/\s+/g, " ").trim();
  if (SHOTS && view.shot) {
    mkdirSync(SHOTS, { recursive: true });
    const file = join(SHOTS, view.shot);
    await page.screenshot({ path: file });
    if (spawnSync("pngquant", ["--version"], { stdio: "ignore" }).status === 0) {
      spawnSync("pngquant", [
        "--force",
        "--skip-if-larger",
        "--quality=60-85",
        "--output",
        file,
        file,
      ]);
    }
  }
  return {
    view: view.name,
    path: new URL(view.url).pathname + new URL(view.url).search,
    msUntilData: stats(cold.times),
    kb: cold.kb,
    requests: cold.requests,
    externalRequestsAborted: cold.blocked,
    warmCache: { msUntilData: stats(warm.times), kb: warm.kb, requests: warm.requests },
    shows: text.slice(0, 700),
    ...(SHOTS && view.shot && existsSync(join(SHOTS, view.shot))
      ? { screenshotKb: Number((statSync(join(SHOTS, view.shot)).size / 1024).toFixed(1)) }
      : {}),
  };
}

const redis = await startRedisServer();
const release = gate();
const temp = mkdtempSync(join(tmpdir(), "stem-compare-"));
const bull = await bullWorkload(redis.url, release.wait);
const stem = await stemWorkload(redis.url, release.wait);

const board = new HonoAdapter(serveStatic).setBasePath("/bull");
createBullBoard({
  queues: [new BullMQAdapter(bull.queue)],
  serverAdapter: board,
  options: { uiBasePath: join(process.cwd(), "node_modules/@bull-board/ui") },
});
const bullApp = new Hono();
bullApp.route("/bull", board.registerPlugin());
const streams = new AbortController();
const bullServer = serveFetch("127.0.0.1", 0, bullApp.fetch);
const stemServer = serveFetch(
  "127.0.0.1",
  0,
  stemDashboard(stem.app, { auth: false, signal: streams.signal, control: stem.app.control })
    .fetch,
);
const b = `http://127.0.0.1:${bullServer.port}/bull`;
const s = `http://127.0.0.1:${stemServer.port}`;
const browser = await launchChromium();
const result: Record<string, unknown> = {
  runtime: "Bun" in globalThis ? "bun" : "deno",
  loads: LOADS,
  workload: WORKLOAD,
  unit: "msUntilData: goto until the view's data is visible and 'load' fired, cache off " +
    "(warmCache: the same with the browser cache on); kb: response headers + bodies as Chromium " +
    "received them over the network (uncompressed: neither server gzips); requests: started " +
    "until then (Stem's include its event stream)",
  bullmqCounts: bull.counts,
  stemCounts: stem.counts,
};
try {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(15_000);
  await page.route(
    "**/*",
    (route) =>
      route.request().url().startsWith("http://127.0.0.1") ? route.continue() : route.abort(),
  );
  const cdp = await browser.context.newCDPSession(page);
  const bullViews: View[] = [
    { name: "overview", url: b, ready: "a[href*='queue/orders']", shot: "bullboard-overview.png" },
    {
      name: "failed jobs",
      url: `${b}/queue/orders?status=failed`,
      ready: "text=card declined",
      shot: "bullboard-failed.png",
    },
    {
      name: "one failed job",
      url: `${b}/queue/orders/${bull.failedJobId}`,
      ready: "text=orders.charge",
      shot: "bullboard-failed-job.png",
    },
  ];
  const stemViews: View[] = [
    {
      name: "overview",
      url: `${s}/`,
      ready: '[data-card="pending"]',
      shot: "compare-stem-overview.png",
    },
    {
      name: "failed tasks",
      url: `${s}/tasks?state=failed&queue=orders`,
      ready: "text=orders.charge",
      shot: "compare-stem-failed.png",
    },
    {
      name: "one failed task",
      url: `${s}/tasks/${stem.failedTaskId}`,
      ready: ".error-message",
      shot: "compare-stem-failed-task.png",
    },
    {
      name: "dead letters",
      url: `${s}/dead-letters?queue=orders`,
      ready: "text=address does not exist",
    },
  ];
  const bullOut = [];
  for (const view of bullViews) bullOut.push(await measureView(page, cdp, view));
  const stemOut = [];
  for (const view of stemViews) stemOut.push(await measureView(page, cdp, view));
  result.bullBoard = bullOut;
  result.stem = stemOut;
} finally {
  streams.abort();
  release.open();
  await browser.close();
  await bullServer.stop();
  await stemServer.stop();
  await bull.close();
  await stem.app.close();
  await redis.stop();
  rmSync(temp, { recursive: true, force: true });
}
console.log(JSON.stringify(result, null, 2));
