// The dashboard end to end in real headless Chromium (Debian's package, driven by playwright-core)
// over real SQLite and Redis stores: what a person sees and clicks. Screenshots go to the test's
// temp dir (and to $STEM_DASHBOARD_SCREENSHOTS when set, which is how docs/images were made;
// they were then quantised with `pngquant --quality=60-85`, like bench/dashboard_compare.ts does).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { BrowserContext, Page } from "playwright-core";
import { FunctionTaskHandler, type StemApp, StemWorkflowApp, WorkflowScript } from "../mod.ts";
import { stemDashboard } from "../src/dashboard/mod.ts";
import { type RunningServer, serveFetch } from "../workers/runtime/serve.ts";
import { appStores } from "./helpers/app_stores.ts";
import { chromiumSkipReason, launchChromium } from "./helpers/chromium.ts";
import { runtime } from "./helpers/runtime.ts";

const XSS = `<script>window.__xss=1</script><img src=x onerror="window.__xss=1">`;
const CREDENTIALS = { username: "ops", password: "correct horse" };
// Reserves stock, waits for the payment event, then ships: a run the dashboard sees suspended.
const shipOrder = new WorkflowScript<{ order: string }, string>({
  name: "orders.ship",
  run: async (script) => {
    const reserved = await script.step("reserve", (s) => ({ sku: `sku-${s.params.order}` }));
    const paid = await script.step(
      "pay",
      (s) => s.awaitEvent<{ cents: number }>(`orders.paid.${s.params.order}`),
    );
    return await script.step("ship", () => `shipped ${reserved.sku} for ${paid?.cents} cents`);
  },
});
const chromiumSkip = chromiumSkipReason();
const stores = await appStores(["sqlite", "redis"]);
const shots = mkdtempSync(join(tmpdir(), "stem-dashboard-shots-"));
const docsShots = process.env.STEM_DASHBOARD_SCREENSHOTS;
after(() => rmSync(shots, { recursive: true, force: true }));

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  if (docsShots) {
    mkdirSync(docsShots, { recursive: true });
    await page.screenshot({ path: join(docsShots, `dashboard-${name}.png`), fullPage: true });
  }
}

for (const store of stores) {
  describe(`the dashboard in Chromium (${store.name}, ${runtime})`, {
    skip: chromiumSkip ?? store.skip ?? false,
  }, () => {
    let workflows: StemWorkflowApp;
    let app: StemApp;
    let server: RunningServer;
    let attacker: RunningServer;
    let browser: { context: BrowserContext; close(): Promise<void> };
    let page: Page;
    let url: string;
    let failedId: string;
    let runs = 0;
    const streams = new AbortController();

    before(async () => {
      // A workflow app, so the Workflows pages have runs; its `.app` is what the dashboard reads.
      workflows = await StemWorkflowApp.fromUrl(store.url(), {
        ...store.options(),
        queues: ["default", "workflow"],
        scripts: [shipOrder],
        tasks: [
          new FunctionTaskHandler({ name: "emails.send", entrypoint: (_ctx, args) => args }),
          new FunctionTaskHandler({
            name: "reports.build",
            options: { maxRetries: 0 },
            entrypoint: () => {
              if (runs++ === 0) throw new Error(`printer on fire ${XSS}`);
              return "built";
            },
          }),
        ],
      });
      app = workflows.app;
      await workflows.start();
      failedId = await app.stem.enqueue("reports.build", { args: { title: XSS } });
      assert.equal((await app.stem.waitForTask(failedId, { timeout: "15s" })).state, "failed");
      const dashboard = stemDashboard(app, {
        auth: { basic: CREDENTIALS },
        queues: ["default", "parked"],
        refreshInterval: 100,
        signal: streams.signal,
        control: app.control,
      });
      server = serveFetch("127.0.0.1", 0, dashboard.fetch);
      url = `http://127.0.0.1:${server.port}`;
      // Another site that tries to make the browser revoke a task.
      attacker = serveFetch("127.0.0.1", 0, (request) => {
        const target = new URL(request.url).searchParams.get("target") ?? "";
        return new Response(
          `<!doctype html><form id=f method=post action="${target}"><input name=reason value=pwned></form><script>document.getElementById("f").submit()</script>`,
          { headers: { "content-type": "text/html" } },
        );
      });
      browser = await launchChromium({ httpCredentials: CREDENTIALS });
      page = await browser.context.newPage();
      page.setDefaultTimeout(15_000);
    });
    after(async () => {
      streams.abort();
      await browser?.close();
      await server?.stop();
      await attacker?.stop();
      await workflows?.shutdown();
    });

    test("the overview shows the counts, and they change live after tasks are enqueued", async () => {
      await page.goto(`${url}/`);
      assert.equal(await page.textContent('[data-card="pending"] .n'), "0");
      assert.equal(await page.textContent('[data-card="dead"] .n'), "1");
      assert.equal((await page.textContent('[data-card="workers"] .n'))?.trim(), "1 / 1");
      await page.waitForSelector("#live-dot.on"); // the event stream is open
      for (let i = 0; i < 3; i++) {
        await app.stem.enqueue("emails.send", { args: { i }, options: { queue: "parked" } });
      }
      await page.waitForFunction(() =>
        document.querySelector('[data-card="pending"] .n')?.textContent === "3"
      );
      assert.equal(await page.textContent('tr[data-queue="parked"] [data-count="pending"]'), "3");
      await screenshot(page, "overview");
      // The queues page lists the configured queues and the one only the worker names.
      await page.goto(`${url}/queues`);
      assert.equal(await page.textContent('tr[data-queue="parked"] [data-count="pending"]'), "3");
      assert.equal(await page.textContent('tr[data-queue="default"] [data-count="dead"]'), "1");
      assert.equal(await page.textContent('tr[data-queue="workflow"] td:last-child'), "1");
      await page.waitForSelector("#live-dot.on");
      await screenshot(page, "queues");
    });

    test("without EventSource the page falls back to polling and still updates", async () => {
      const polling = await browser.context.newPage();
      await polling.addInitScript(() => {
        delete (globalThis as { EventSource?: unknown }).EventSource;
      });
      try {
        await polling.goto(`${url}/queues/parked`);
        await polling.waitForSelector("#live-dot.polling");
        const before = Number(await polling.textContent('[data-card="pending"] .n'));
        await app.stem.enqueue("emails.send", { options: { queue: "parked" } });
        await polling.waitForFunction(
          (n) => document.querySelector('[data-card="pending"] .n')?.textContent === String(n),
          before + 1,
        );
      } finally {
        await polling.close();
      }
    });

    test("a person opens a waiting task from the list, revokes it, then retries it as a new task", async () => {
      const [waiting] = await app.stores.statuses.listTaskStatuses({ queue: "parked", limit: 1 });
      await page.goto(`${url}/tasks?queue=parked`);
      await page.click(`tr[data-task="${waiting.id}"] a`);
      await page.waitForURL(`**/tasks/${waiting.id}`);
      assert.equal(await page.getAttribute("[data-state]", "data-state"), "queued");
      await page.fill('input[name="reason"]', "customer asked");
      page.once("dialog", (dialog) => dialog.accept());
      await page.click('button:has-text("Revoke")');
      await page.waitForSelector('[data-state="cancelled"]');
      assert.match((await page.textContent('[role="status"]'))!, /Revoked: customer asked/);
      assert.equal((await app.stem.getTaskStatus(waiting.id))?.state, "cancelled");
      await screenshot(page, "task");
      // The cancelled task is finished and not dead-lettered: Retry enqueues it again, linked back.
      await page.fill('#retry textarea[name="args"]', '{"to":"grace@example.com"}');
      await page.click('#retry button:has-text("Retry as a new task")');
      await page.waitForURL(/\/tasks\/[^/?]+\?notice=Retried/);
      assert.match(
        (await page.textContent('[role="status"]'))!,
        new RegExp(`Retried ${waiting.id}`),
      );
      const retriedId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
      assert.equal(await page.getAttribute("[data-state]", "data-state"), "queued");
      const retried = await app.stem.getTaskStatus(retriedId);
      assert.equal(retried?.meta.retryOf, waiting.id);
      assert.equal(retried?.meta.queue, "parked");
      await page.click(`a[href="/tasks/${waiting.id}"]`);
      await page.waitForSelector('[data-state="cancelled"]');
    });

    test("a failed task shows its error and arguments as text, and Replay runs it again", async () => {
      await page.goto(`${url}/dead-letters?queue=default`);
      const row = `tr[data-dead="${failedId}"]`;
      assert.match((await page.textContent(row))!, /max-retries-exhausted/);
      assert.match((await page.textContent(row))!, /printer on fire <script>window.__xss=1/);
      assert.equal(await page.evaluate(() => (globalThis as { __xss?: number }).__xss), undefined);
      assert.equal(await page.locator(`${row} img`).count(), 0);
      await page.goto(`${url}/tasks/${failedId}`);
      assert.match((await page.textContent("pre.args"))!, /<script>window.__xss=1<\/script>/);
      assert.equal(await page.evaluate(() => (globalThis as { __xss?: number }).__xss), undefined);
      await screenshot(page, "failed-task");
      await page.goto(`${url}/dead-letters?queue=default`);
      await screenshot(page, "dead-letters");
      await page.click(`${row} button:has-text("Replay")`);
      assert.match((await page.textContent('[role="status"]'))!, /Replayed/);
      assert.equal((await app.stem.waitForTask(failedId, { timeout: "15s" })).value, "built");
      await page.goto(`${url}/tasks/${failedId}`);
      await page.waitForSelector('[data-state="succeeded"]');
    });

    test("the enqueue form sends a task with JSON arguments and opens it", async () => {
      await page.goto(`${url}/tasks`);
      await page.fill('#enqueue input[name="name"]', "emails.send");
      await page.fill('#enqueue input[name="queue"]', "parked");
      await page.fill('#enqueue textarea[name="args"]', '{"to":"ada@example.com"}');
      await page.click('button:has-text("Enqueue")');
      await page.waitForURL(/\/tasks\/[^/?]+\?notice=/);
      assert.match((await page.textContent('[role="status"]'))!, /Enqueued emails\.send/);
      assert.equal(await page.getAttribute("[data-state]", "data-state"), "queued");
    });

    test("an action without the CSRF token, or from another site, is refused", async () => {
      const [waiting] = await app.stores.statuses.listTaskStatuses({
        queue: "parked",
        state: "queued",
        limit: 1,
      });
      const target = `${url}/tasks/${waiting.id}/revoke`;
      await page.goto(`${url}/`);
      const status = await page.evaluate(
        (to) =>
          fetch(to, { method: "POST", body: new URLSearchParams({ reason: "x" }) })
            .then((r) => r.status),
        target,
      );
      assert.equal(status, 403);
      await page.goto(
        `http://127.0.0.1:${attacker.port}/?target=${encodeURIComponent(target)}`,
      );
      await page.waitForURL(target);
      assert.match((await page.textContent("body"))!, /Cross-origin request refused/);
      assert.equal((await app.stem.getTaskStatus(waiting.id))?.state, "queued");
    });

    test("remote control: Pause and Resume a queue, Ping a worker that answers", async () => {
      await page.goto(`${url}/queues/parked`);
      page.once("dialog", (dialog) => dialog.accept());
      await page.click('button:has-text("Pause")');
      await page.waitForSelector(".badge-paused");
      assert.match((await page.textContent('[role="status"]'))!, /Paused parked/);
      assert.deepEqual((await app.control.pausedQueues()).map((p) => p.queue), ["parked"]);
      await page.click('button:has-text("Resume")');
      assert.match((await page.textContent('[role="status"]'))!, /Resumed parked/);
      assert.deepEqual(await app.control.pausedQueues(), []);
      await page.goto(`${url}/workers`);
      await page.click(`tr[data-worker="${app.worker.id}"] button:has-text("Ping")`);
      assert.match((await page.textContent('[role="status"]'))!, /answered/);
    });

    test("workers and schedules pages show what the stores hold", async () => {
      await app.beat.upsert({ id: "nightly-report", task: "reports.build", spec: "0 3 * * *" });
      await page.goto(`${url}/workers`);
      assert.match((await page.textContent("tbody"))!, /online/);
      await screenshot(page, "workers");
      await page.goto(`${url}/schedules`);
      const row = 'tr[data-schedule="nightly-report"]';
      page.once("dialog", (dialog) => dialog.accept());
      await page.click(`${row} button:has-text("Disable")`);
      await page.waitForSelector(`${row} .badge-disabled`);
      assert.equal((await app.schedules.get("nightly-report"))?.enabled, false);
      await screenshot(page, "schedules");
    });

    test("a workflow run is listed with its status, and its page shows the checkpoints", async () => {
      // Wait for the run to park on its event (written before the signal fires), then look.
      const suspended = workflows.signals.workflowRunSuspended.next((s) => s.step === "pay");
      const runId = await workflows.startWorkflow(shipOrder, { order: "o-1042" });
      assert.equal((await suspended).runId, runId);
      await page.goto(`${url}/workflows`);
      const row = `tr[data-run="${runId}"]`;
      assert.equal(await page.textContent(`${row} td:nth-child(2)`), "orders.ship");
      assert.equal(await page.textContent(`${row} .badge`), "suspended");
      assert.equal(await page.textContent(`${row} td:nth-child(4)`), "1");
      assert.equal(await page.textContent(`${row} td:nth-child(5)`), "orders.paid.o-1042");
      await page.click(`${row} a`);
      await page.waitForURL(`**/workflows/${runId}`);
      assert.equal(await page.textContent("h1"), "Run of orders.ship");
      assert.equal(await page.textContent("dl.kv .badge"), "suspended");
      assert.match((await page.textContent("dl.kv"))!, /orders\.paid\.o-1042 \(step pay\)/);
      assert.match((await page.textContent(".panel pre"))!, /"order": "o-1042"/);
      assert.deepEqual(await page.locator("tbody tr td:first-child code").allTextContents(), [
        "reserve",
      ]);
      assert.match((await page.textContent("tbody tr pre"))!, /"sku": "sku-o-1042"/);
      // The payment arrives: the run finishes, and its page shows every checkpoint and the result.
      assert.equal(await workflows.emit("orders.paid.o-1042", { cents: 1250 }), 1);
      const done = await workflows.waitForCompletion(shipOrder, runId, { timeout: "15s" });
      assert.equal(done.value, "shipped sku-o-1042 for 1250 cents");
      await page.reload();
      await page.waitForSelector("dl.kv .badge-completed");
      assert.deepEqual(await page.locator("tbody tr td:first-child code").allTextContents(), [
        "reserve",
        "pay",
        "ship",
      ]);
      assert.match((await page.textContent("tbody tr:nth-child(2) pre"))!, /"cents": 1250/);
      assert.match(
        (await page.textContent("body"))!,
        /Result\s*"shipped sku-o-1042 for 1250 cents"/,
      );
      await screenshot(page, "workflow-run");
      // The status filter: a completed run is not among the suspended ones.
      await page.goto(`${url}/workflows`);
      await page.selectOption('form.filters select[name="status"]', "suspended");
      await page.click('form.filters button:has-text("Filter")');
      await page.waitForURL(/status=suspended/);
      await page.waitForSelector("text=No runs match.");
      assert.equal(await page.locator(row).count(), 0);
      await page.goto(`${url}/workflows?status=completed`);
      assert.equal(await page.textContent(`${row} .badge`), "completed");
      assert.equal(await page.textContent(`${row} td:nth-child(4)`), "3");
      await screenshot(page, "workflows");
    });
  });
}
