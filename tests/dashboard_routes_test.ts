// The dashboard's routes in-process (`app.request()`) over a real SQLite store: auth, CSRF,
// escaping, every page, every action, the live stream, mounting under a base path.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Hono } from "hono";
import { FunctionTaskHandler, StemApp } from "../mod.ts";
import { type DashboardEnv, stemDashboard } from "../src/dashboard/mod.ts";
import { appStores } from "./helpers/app_stores.ts";

const BASE = "http://dash.test";
const XSS = `<script>window.__xss=1</script><img src=x onerror="window.__xss=1">`;
const [sqlite] = await appStores(["sqlite"]);

let app: StemApp;
let failedId: string;
let failures = 0;

function tokenOf(page: string): string {
  const match = page.match(/name="_csrf" value="([^"]+)"/);
  assert.ok(match, "the page embeds a CSRF token");
  return match[1];
}

function form(fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  };
}

async function page(
  dash: Hono<DashboardEnv> | Hono,
  path: string,
  init?: RequestInit,
): Promise<string> {
  const response = await dash.request(`${BASE}${path}`, init);
  assert.equal(response.status, 200, `${path}: ${response.status}`);
  return await response.text();
}

after(async () => {
  await app?.close();
});

describe("stemDashboard() routes (SQLite)", () => {
  let dash: Hono<DashboardEnv>;
  let csrf: string;

  before(async () => {
    app = await StemApp.fromUrl(sqlite.url(), {
      ...sqlite.options(),
      queues: ["default"],
      tasks: [
        new FunctionTaskHandler({ name: "ok.echo", entrypoint: (_ctx, args) => args }),
        new FunctionTaskHandler({
          name: "always.fails",
          options: { maxRetries: 0 },
          entrypoint: () => {
            throw new Error("no");
          },
        }),
        new FunctionTaskHandler({
          name: "flaky.once",
          options: { maxRetries: 0 },
          entrypoint: () => {
            if (failures++ === 0) throw new Error(`disk full ${XSS}`);
            return "fine";
          },
        }),
      ],
    });
    await app.start();
    const okId = await app.stem.enqueue("ok.echo", { args: { n: 1 } });
    failedId = await app.stem.enqueue("flaky.once", { args: { note: XSS } });
    assert.equal((await app.stem.waitForTask(okId, { timeout: "10s" })).state, "succeeded");
    assert.equal((await app.stem.waitForTask(failedId, { timeout: "10s" })).state, "failed");
    dash = stemDashboard(app, { auth: false, queues: ["default", "parked"] });
    csrf = tokenOf(await page(dash, "/tasks"));
  });

  test("the overview shows queue counts, workers online, store health and the latest failure", async () => {
    const html = await page(dash, "/");
    assert.match(html, /<tr data-queue="default">/);
    assert.match(html, /<tr data-queue="parked">/);
    assert.match(html, /data-card="workers">\s*<div class="n">1 \/ 1</);
    assert.match(html, /data-card="health">\s*<div class="n">ok</);
    assert.match(html, /data-card="dead">\s*<div class="n">1</);
    assert.match(html, /<svg class="chart"/);
    assert.ok(html.includes(failedId), "the failed task is listed");
  });

  test("every page renders, and store text is escaped on each (no injected markup)", async () => {
    for (
      const path of [
        "/",
        "/queues",
        "/queues/default",
        "/tasks",
        "/tasks?state=failed",
        `/tasks/${failedId}`,
        "/dead-letters?queue=default",
        "/workers",
        "/schedules",
        "/workflows",
      ]
    ) {
      const html = await page(dash, path);
      assert.ok(!html.includes("<script>window"), `${path} has a raw <script> from the store`);
      assert.ok(!html.includes("<img src=x"), `${path} has a raw <img> from the store`);
    }
    const detail = await page(dash, `/tasks/${failedId}`);
    assert.ok(detail.includes("&lt;script&gt;window.__xss=1&lt;/script&gt;"), "args shown escaped");
    assert.match(detail, /max-retries-exhausted/);
    const headers = (await dash.request(`${BASE}/`)).headers;
    assert.match(headers.get("content-security-policy")!, /script-src 'self'/);
    assert.equal(headers.get("x-frame-options"), "DENY");
  });

  test("a POST without the CSRF token, from another origin or another site is refused", async () => {
    const parked = await app.stem.enqueue("ok.echo", { options: { queue: "parked" } });
    const path = `${BASE}/tasks/${parked}/revoke`;
    const noToken = await dash.request(path, form({}));
    assert.equal(noToken.status, 403);
    assert.match(await noToken.text(), /CSRF token is missing/);
    const foreign = await dash.request(
      path,
      form({ _csrf: csrf }, { origin: "https://evil.example" }),
    );
    assert.equal(foreign.status, 403);
    assert.match(await foreign.text(), /Cross-origin request refused/);
    const crossSite = await dash.request(
      path,
      form({ _csrf: csrf }, { "sec-fetch-site": "cross-site" }),
    );
    assert.equal(crossSite.status, 403);
    assert.equal((await app.stem.getTaskStatus(parked))?.state, "queued");
    const ok = await dash.request(path, form({ _csrf: csrf }, { origin: BASE }));
    assert.equal(ok.status, 303);
    assert.equal((await app.stem.getTaskStatus(parked))?.state, "cancelled");
  });

  test("enqueue: bad JSON goes back with the error; a good one opens the new task", async () => {
    const bad = await dash.request(
      `${BASE}/tasks`,
      form({ _csrf: csrf, name: "ok.echo", args: "{nope" }),
    );
    assert.equal(bad.status, 303);
    const back = new URL(bad.headers.get("location")!, BASE);
    assert.equal(back.pathname, "/tasks");
    assert.match(back.searchParams.get("error")!, /Arguments must be JSON/);
    assert.match(
      await page(dash, back.pathname + back.search),
      /role="alert">Arguments must be JSON/,
    );
    const notObject = await dash.request(
      `${BASE}/tasks`,
      form({ _csrf: csrf, name: "ok.echo", args: "[1]" }),
    );
    assert.match(notObject.headers.get("location")!, /must%20be%20a%20JSON%20object/);
    const good = await dash.request(
      `${BASE}/tasks`,
      form({ _csrf: csrf, name: "ok.echo", args: '{"hello":"<b>x</b>"}', queue: "parked" }),
    );
    assert.equal(good.status, 303);
    const id = new URL(good.headers.get("location")!, BASE).pathname.split("/").pop()!;
    const status = await app.stem.getTaskStatus(decodeURIComponent(id));
    assert.equal(status?.state, "queued");
    assert.equal(status?.meta.queue, "parked");
  });

  test("replaying one dead letter puts it back on its queue; it runs again", async () => {
    const response = await dash.request(
      `${BASE}/dead-letters/replay`,
      form({ _csrf: csrf, queue: "default", id: failedId, back: "//evil.example/x" }),
    );
    assert.equal(response.status, 303);
    const location = new URL(response.headers.get("location")!, BASE);
    assert.equal(location.host, "dash.test", "a foreign back= is not followed");
    assert.equal(location.pathname, "/dead-letters");
    assert.match(location.searchParams.get("notice")!, /Replayed/);
    assert.equal((await app.stem.waitForTask(failedId, { timeout: "10s" })).state, "succeeded");
    assert.equal((await app.deadLetters.listDeadLetters("default")).entries.length, 0);
    const again = await dash.request(
      `${BASE}/dead-letters/replay`,
      form({ _csrf: csrf, queue: "default", id: failedId }),
    );
    assert.match(again.headers.get("location")!, /error=No%20dead%20letter/);
  });

  test("purge asks for the confirmation box, then deletes", async () => {
    const id = await app.stem.enqueue("always.fails", { options: { queue: "default" } });
    assert.equal((await app.stem.waitForTask(id, { timeout: "10s" })).state, "failed");
    const unconfirmed = await dash.request(
      `${BASE}/dead-letters/purge`,
      form({ _csrf: csrf, queue: "default" }),
    );
    assert.match(unconfirmed.headers.get("location")!, /error=Tick%20the%20confirmation/);
    assert.equal((await app.stores.broker.counts("default")).dead, 1);
    const confirmed = await dash.request(
      `${BASE}/dead-letters/purge`,
      form({ _csrf: csrf, queue: "default", confirm: "yes" }),
    );
    assert.match(confirmed.headers.get("location")!, /notice=Purged%201/);
    assert.equal((await app.stores.broker.counts("default")).dead, 0);
  });

  test("schedules list their next fires and can be disabled and enabled", async () => {
    await app.beat.upsert({ id: "nightly<x>", task: "ok.echo", spec: "0 3 * * *" });
    const listed = await page(dash, "/schedules");
    assert.match(listed, /nightly&lt;x&gt;/);
    assert.match(listed, /T03:00:00\.000Z/);
    const off = await dash.request(
      `${BASE}/schedules/${encodeURIComponent("nightly<x>")}/disable`,
      form({ _csrf: csrf }),
    );
    assert.match(off.headers.get("location")!, /notice=Disabled/);
    assert.equal((await app.schedules.get("nightly<x>"))?.enabled, false);
    await dash.request(
      `${BASE}/schedules/${encodeURIComponent("nightly<x>")}/enable`,
      form({ _csrf: csrf }),
    );
    assert.equal((await app.schedules.get("nightly<x>"))?.enabled, true);
  });

  test("workflow runs list and show their checkpoints", async () => {
    const store = app.stores.workflows!;
    const runId = await store.createRun({ workflow: "orders.ship", params: { order: "<o1>" } });
    await store.saveStep(runId, "reserve", { sku: "<b>" });
    const list = await page(dash, "/workflows");
    assert.ok(list.includes(runId));
    const detail = await page(dash, `/workflows/${runId}`);
    assert.match(detail, /orders\.ship/);
    assert.match(detail, /&lt;o1&gt;/);
    assert.match(detail, /<code>reserve<\/code>/);
    assert.equal((await dash.request(`${BASE}/workflows/nope`)).status, 404);
  });

  test("a running task shows its progress bar, its lineage links and a Revoke button", async () => {
    await app.stores.statuses.set({
      id: "child-1",
      name: "ok.echo",
      state: "running",
      result: null,
      error: null,
      attempt: 1,
      meta: { queue: "parked", parentId: "parent-<1>", rootId: "root-1" },
      progress: { percent: 42, data: { step: "resize" } },
      timestamps: { startedAt: Date.now() },
    });
    const html = await page(dash, "/tasks/child-1");
    assert.match(html, /<span style="width:42%">/);
    assert.match(html, /href="\/tasks\/parent-%3C1%3E">parent-&lt;1&gt;</);
    assert.match(html, /href="\/tasks\/root-1"/);
    assert.match(html, />Revoke</);
    assert.match(html, /attempt 1 started/);
  });

  test("the fragment request returns only the live region", async () => {
    const fragment = await page(dash, "/queues", { headers: { "x-stem-fragment": "1" } });
    assert.ok(!fragment.includes("<html"));
    assert.match(fragment, /<table class="queues">/);
  });

  test("the live stream opens with ready and says change after a write", async () => {
    const live = stemDashboard(app, { auth: false, refreshInterval: 20 });
    const stop = new AbortController();
    const response = await live.request(`${BASE}/events`, { signal: stop.signal });
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("event: ready")) text += (await reader.read()).value ?? "";
    await app.stem.enqueue("ok.echo", { options: { queue: "parked" } });
    while (!text.includes("event: change")) text += (await reader.read()).value ?? "";
    await reader.cancel();
    stop.abort();
  });

  test("the queue-control seam: no control, no buttons; with control, Pause calls it", async () => {
    assert.doesNotMatch(await page(dash, "/queues/parked"), />Pause</);
    assert.equal(
      (await dash.request(`${BASE}/queues/parked/pause`, form({ _csrf: csrf }))).status,
      404,
    );
    const calls: string[] = [];
    const paused = new Set<string>();
    const controlled = stemDashboard(app, {
      auth: false,
      csrfSecret: "shared",
      control: {
        pause: (q) => Promise.resolve(calls.push(`pause ${q}`) && paused.add(q)),
        resume: (q) => Promise.resolve(calls.push(`resume ${q}`) && paused.delete(q)),
        pausedQueues: () => Promise.resolve([...paused].map((queue) => ({ queue }))),
      },
    });
    const shown = await page(controlled, "/queues/parked");
    assert.match(shown, />Pause</);
    const response = await controlled.request(
      `${BASE}/queues/parked/pause`,
      form({ _csrf: tokenOf(shown) }),
    );
    assert.match(response.headers.get("location")!, /notice=Paused%20parked/);
    assert.deepEqual(calls, ["pause parked"]);
    assert.match(await page(controlled, "/queues/parked"), /badge-paused/);
  });

  test("the worker-control seam: Ping and Shutdown per worker call control and report who answered", async () => {
    const workerId = app.worker.id;
    assert.doesNotMatch(await page(dash, "/workers"), />Ping</);
    const calls: unknown[] = [];
    const controlled = stemDashboard(app, {
      auth: false,
      control: {
        pause: () => Promise.resolve(),
        resume: () => Promise.resolve(),
        ping: (options) => {
          calls.push(["ping", options]);
          return Promise.resolve({ replies: [{ workerId, ok: true }], missing: [] });
        },
        shutdown: (options) => {
          calls.push(["shutdown", options]);
          return Promise.resolve({ replies: [], missing: [workerId] });
        },
      },
    });
    const shown = await page(controlled, "/workers");
    assert.match(shown, />Ping</);
    assert.match(shown, />Shut down</);
    const token = tokenOf(shown);
    const path = `${BASE}/workers/${encodeURIComponent(workerId)}`;
    const ping = await controlled.request(`${path}/ping`, form({ _csrf: token }));
    assert.match(decodeURIComponent(ping.headers.get("location")!), /notice=.* answered\./);
    const stop = await controlled.request(`${path}/shutdown`, form({ _csrf: token, mode: "soft" }));
    assert.match(
      decodeURIComponent(stop.headers.get("location")!),
      /error=.* did not answer the shutdown/,
    );
    const bad = await controlled.request(`${path}/shutdown`, form({ _csrf: token, mode: "now" }));
    assert.match(decodeURIComponent(bad.headers.get("location")!), /must be warm, soft or hard/);
    assert.deepEqual(calls, [
      ["ping", { targets: [workerId] }],
      ["shutdown", { targets: [workerId], mode: "soft" }],
    ]);
  });

  test("read-only hides the forms and refuses POSTs", async () => {
    const ro = stemDashboard(app, { auth: false, readOnly: true });
    const html = await page(ro, `/dead-letters?queue=default`);
    assert.doesNotMatch(html, /method="post"/);
    assert.equal((await ro.request(`${BASE}/tasks`, form({ name: "ok.echo" }))).status, 403);
  });
});

describe("stemDashboard() auth and mounting", () => {
  test("basic, bearer and a hook let requests in; anything else gets 401 with a challenge", async () => {
    const dash = stemDashboard(app, {
      auth: {
        basic: { username: "ops", password: "pa:ss" },
        bearer: "tok-123",
        check: (r) => r.headers.get("x-sso-user") === "ada",
      },
    });
    const none = await dash.request(`${BASE}/`);
    assert.equal(none.status, 401);
    assert.match(none.headers.get("www-authenticate")!, /^Basic realm="stem dashboard"/);
    const basic = (user: string) => ({ authorization: `Basic ${btoa(user)}` });
    assert.equal((await dash.request(`${BASE}/`, { headers: basic("ops:wrong") })).status, 401);
    assert.equal((await dash.request(`${BASE}/`, { headers: basic("ops:pa:ss") })).status, 200);
    assert.equal(
      (await dash.request(`${BASE}/assets/dashboard.js`, { headers: basic("x:y") })).status,
      401,
    );
    const bearer = { authorization: "Bearer tok-123" };
    assert.equal((await dash.request(`${BASE}/workers`, { headers: bearer })).status, 200);
    assert.equal(
      (await dash.request(`${BASE}/`, { headers: { authorization: "Bearer nope" } })).status,
      401,
    );
    assert.equal(
      (await dash.request(`${BASE}/`, { headers: { "x-sso-user": "ada" } })).status,
      200,
    );
    assert.throws(() => stemDashboard(app, { auth: {} }), TypeError);
  });

  test("mounted under a base path in your hono app, its links carry the prefix", async () => {
    const outer = new Hono();
    outer.get("/", (c) => c.text("my app"));
    outer.route("/", stemDashboard(app, { auth: false, basePath: "/admin/stem/" }));
    assert.equal(await (await outer.request(`${BASE}/`)).text(), "my app");
    const html = await page(outer, "/admin/stem/tasks");
    assert.match(html, /href="\/admin\/stem\/dead-letters"/);
    assert.match(html, /action="\/admin\/stem\/tasks"/);
    assert.match(html, /data-base="\/admin\/stem"/);
    const js = await outer.request(`${BASE}/admin/stem/assets/dashboard.js`);
    assert.match(js.headers.get("content-type")!, /javascript/);
  });
});
