// The worker's set of runs in flight: an array with swap-remove instead of a Set.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { LiveRuns } from "../src/worker/live_runs.ts";

const run = (name: string) => ({ name, liveIndex: -1 });

describe("LiveRuns", () => {
  test("add, has, delete and size behave as a set, in any order of removal", () => {
    const runs = new LiveRuns<ReturnType<typeof run>>();
    const [a, b, c] = [run("a"), run("b"), run("c")];
    runs.add(a);
    runs.add(b);
    runs.add(c);
    runs.add(b); // twice: still one entry
    assert.equal(runs.size, 3);
    assert.equal(runs.delete(a), true); // the last one moves into its place
    assert.equal(runs.delete(a), false);
    assert.deepEqual([runs.has(a), runs.has(b), runs.has(c)], [false, true, true]);
    assert.deepEqual([...runs].map((r) => r.name).sort(), ["b", "c"]);
    assert.equal(runs.delete(c), true);
    assert.equal(runs.delete(b), true);
    assert.equal(runs.size, 0);
    assert.equal(b.liveIndex, -1);
  });

  test("iterating is a snapshot: deleting during the loop skips nothing", () => {
    const runs = new LiveRuns<ReturnType<typeof run>>();
    const all = Array.from({ length: 10 }, (_, i) => run(String(i)));
    for (const r of all) runs.add(r);
    const seen: string[] = [];
    for (const r of runs) {
      seen.push(r.name);
      runs.delete(r);
    }
    assert.equal(seen.length, 10);
    assert.equal(runs.size, 0);
  });

  test("a run held by one LiveRuns is not mistaken as held by another", () => {
    const first = new LiveRuns<ReturnType<typeof run>>();
    const second = new LiveRuns<ReturnType<typeof run>>();
    const r = run("r");
    first.add(r);
    assert.equal(second.has(r), false);
    assert.equal(second.delete(r), false);
    assert.equal(first.has(r), true);
  });
});
