// The rate-limit accuracy check: three workers (each its own Redis connection, as three processes
// would have) share "20/s" over a backlog. Over a 3 s window (the 10 s scaled down to keep
// the suite fast; the same proportion) about 60 runs start, within 10%, and no half second holds
// more than its share (no burst of the window at its start).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as api from "node:test";
import { FunctionTaskHandler } from "../mod.ts";
import type { StoreSet } from "../src/core/adapter.ts";
import { StemAppBase } from "../src/bootstrap/stem_app_base.ts";
import { redisTcpFixture } from "./helpers/adapter_fixtures.ts";

const fixture = await redisTcpFixture(api);
const skip = "skip" in fixture ? fixture.skip : false;

test("three workers at 20/s run 60 ± 10% tasks in 3 s, evenly spread", { skip }, async () => {
  if ("skip" in fixture) return;
  const starts: number[] = [];
  const task = new FunctionTaskHandler({
    name: "tick",
    options: { rateLimit: "20/s" },
    entrypoint: () => void starts.push(Date.now()),
  });
  const first = (await fixture.connect()) as StoreSet;
  const sets = [
    first,
    (await fixture.connectPeer!()) as StoreSet,
    (await fixture.connectPeer!()) as StoreSet,
  ];
  const apps = sets.map((stores) =>
    new StemAppBase(stores, { autoStart: false, tasks: [task], concurrency: 4 })
  );
  after(() => Promise.all(apps.map((app) => app.close({ timeout: "1s" }))));
  await apps[0].stem.enqueueMany(Array.from({ length: 120 }, () => ({ name: "tick" })));
  await Promise.all(apps.map((app) => app.start()));
  while (starts.length === 0) await new Promise((r) => setTimeout(r, 20));
  const t0 = Math.min(...starts);
  while (Date.now() < t0 + 3_300) await new Promise((r) => setTimeout(r, 50));
  const inWindow = starts.filter((t) => t >= t0 && t < t0 + 3_000);
  assert.ok(
    inWindow.length >= 54 && inWindow.length <= 66,
    `60 ± 10% runs in 3 s at 20/s, got ${inWindow.length}`,
  );
  const buckets = [0, 0, 0, 0, 0, 0];
  for (const t of inWindow) buckets[Math.floor((t - t0) / 500)]++;
  for (const [i, n] of buckets.entries()) {
    assert.ok(n <= 12, `half second ${i} holds ${n} runs (its share is 10): ${buckets.join(",")}`);
  }
});
