// `stem schedule …` and `stem beat` as real processes against a real redis-server, and Beat
// processes killed with SIGKILL mid-dispatch ten times: no fire lost, none run twice.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fireTaskId, FunctionTaskHandler, StemApp } from "../mod.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import { runCli, startCli } from "./helpers/cli_process.ts";
import { runtime } from "./helpers/runtime.ts";

const dir = mkdtempSync(join(tmpdir(), "stem-cli-schedule-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function json(args: string[]): unknown {
  const r = runCli([...args, "--json"]);
  assert.equal(r.status, 0, `stem ${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe("stem schedule and stem beat (real Redis)", { skip: redisSkipReason() ?? false }, () => {
  let redis: RedisServer;
  let url: string;

  before(async () => {
    redis = await startRedisServer();
    url = `redis://127.0.0.1:${redis.port}/0`;
  });
  after(async () => await redis?.stop());

  test("next prints fire times of a spec without any store", () => {
    const r = runCli(["schedule", "next", "0 9 * * MON", "--count", "2", "--json"]);
    assert.equal(r.status, 0, r.stderr);
    const times = JSON.parse(r.stdout) as string[];
    assert.equal(times.length, 2);
    for (const t of times) {
      assert.equal(new Date(t).getUTCDay(), 1);
      assert.equal(new Date(t).getUTCHours(), 9);
    }
    const bad = runCli(["schedule", "next", "61 * * * *"]);
    assert.equal(bad.status, 64);
    assert.match(bad.stderr, /spec\.cron/);
  });

  test("apply (dry run, then for real), list, show, next, disable, enable, delete", () => {
    const namespace = ["--broker", url];
    const file = join(dir, "schedule.json");
    writeFileSync(
      file,
      JSON.stringify({
        entries: [
          {
            id: "nightly",
            task: "reports.build",
            spec: { cron: "0 3 * * *" },
            timezone: "Europe/Berlin",
          },
          { id: "poll", task: "feeds.poll", spec: "every 5m", args: { feed: "news" } },
        ],
      }),
    );
    const dry = json(["schedule", "apply", file, "--dry-run", ...namespace]) as {
      entries: unknown[];
    };
    assert.equal(dry.entries.length, 2);
    assert.deepEqual(json(["schedule", "list", ...namespace]), []);
    json(["schedule", "apply", file, ...namespace]);
    const listed = json(["schedule", "list", ...namespace]) as { id: string; version: number }[];
    assert.deepEqual(listed.map((e) => e.id).sort(), ["nightly", "poll"]);
    const shown = json(["schedule", "show", "poll", ...namespace]) as { args: { feed: string } };
    assert.equal(shown.args.feed, "news");
    const next = json(["schedule", "next", "nightly", "--count", "3", ...namespace]) as string[];
    assert.equal(next.length, 3);
    const off = json(["schedule", "disable", "poll", ...namespace]) as { enabled: boolean };
    assert.equal(off.enabled, false);
    const on = json(["schedule", "enable", "poll", ...namespace]) as { enabled: boolean };
    assert.equal(on.enabled, true);
    json(["schedule", "delete", "poll", ...namespace]);
    const missing = runCli(["schedule", "show", "poll", ...namespace]);
    assert.equal(missing.status, 64);

    const broken = join(dir, "broken.json");
    writeFileSync(
      broken,
      JSON.stringify([{ id: "x", task: "t", spec: "every 5m", timezone: "Mars/Base" }]),
    );
    const refused = runCli(["schedule", "apply", broken, ...namespace]);
    assert.equal(refused.status, 64);
    assert.match(refused.stderr, /Entry 0 \(x\).*timezone/);
  });

  test("apply reads YAML files (a list or schedules:), with the same validation", () => {
    const store = ["--broker", `redis://127.0.0.1:${redis.port}/1`];
    const file = join(dir, "schedule.yaml");
    writeFileSync(
      file,
      [
        "schedules:",
        "  - id: digest",
        "    task: mail.digest",
        '    spec: { cron: "0 7 * * MON-FRI" }',
        "    timezone: Europe/Berlin",
        "    args: { list: staff, dryRun: false }",
        "  - id: sweep",
        "    task: files.sweep",
        "    spec: every 10m",
        "    enabled: true",
        "",
      ].join("\n"),
    );
    json(["schedule", "apply", file, ...store]);
    const digest = json(["schedule", "show", "digest", ...store]) as {
      spec: unknown;
      args: unknown;
      timezone: string;
    };
    assert.deepEqual(digest.spec, { cron: "0 7 * * MON-FRI" });
    assert.deepEqual(digest.args, { list: "staff", dryRun: false });
    assert.equal(digest.timezone, "Europe/Berlin");
    assert.equal(
      (json(["schedule", "show", "sweep", ...store]) as { spec: string }).spec,
      "every 10m",
    );
    const bad = join(dir, "bad.yml");
    writeFileSync(bad, '- id: x\n  task: t\n  spec: "every 0s"\n');
    const refused = runCli(["schedule", "apply", bad, ...store]);
    assert.equal(refused.status, 64);
    assert.match(refused.stderr, /Entry 0 \(x\)/);
    writeFileSync(bad, "- id: [unclosed\n");
    assert.match(runCli(["schedule", "apply", bad, ...store]).stderr, /is not YAML/);
  });

  test("Beat processes killed with SIGKILL ten times: every fire dispatched, each run once", async () => {
    const every = 100;
    const start = Date.now() + 500;
    const file = join(dir, "kill.json");
    writeFileSync(
      file,
      JSON.stringify([{
        id: "k",
        task: "beat.count",
        spec: { every, startAt: start },
        catchUp: "all",
        // A slow start on a loaded machine must not hit the backfill bound (by design it drops
        // fires past it); this test is about kills, not the bound.
        maxCatchUp: 100_000,
      }]),
    );
    // A database of its own, so the Beats and the checking app see only this test's keys.
    const db = String(1 + Math.floor(Math.random() * 14));
    const dbUrl = `redis://127.0.0.1:${redis.port}/${db}`;
    // Applied first: an entry fires from when it is stored, so a slow first Beat start must not
    // decide where the schedule begins.
    assert.equal(runCli(["schedule", "apply", file, "--broker", dbUrl]).status, 0);
    const first = (json(["schedule", "show", "k", "--broker", dbUrl]) as { nextRunAt: number })
      .nextRunAt;
    assert.ok(first >= start, `first fire ${first} before startAt ${start}`);
    for (let kill = 0; kill < 10; kill++) {
      const beat = startCli(["beat", "--schedule", file, "--broker", dbUrl]);
      try {
        await beat.line(/dispatching/);
        // Let it dispatch for a random part of a few intervals, then kill it mid-flight.
        await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 250)));
      } finally {
        beat.kill();
        await beat.exited;
      }
    }
    // One last Beat catches up and is stopped cleanly.
    const last = startCli(["beat", "--broker", dbUrl]);
    await last.line(/dispatching/);
    const caughtUpBy = Date.now();
    const reader = await StemApp.fromUrl(dbUrl, { autoStart: false });
    try {
      // Dead Beats' claims lapse within their lease (2 s); then this one catches up.
      for (let i = 0; i < 300; i++) {
        const entry = await reader.schedules.get("k");
        if ((entry?.lastRunAt ?? 0) >= caughtUpBy) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await reader.close();
    }
    last.child.kill("SIGTERM");
    const status = await last.exited;
    // Deno's node:child_process reports the signal it sent even when the child exited 0 (a
    // shell sees exit 0); Bun reports the exit code.
    if (runtime === "bun") assert.equal(status, 0, last.output());
    assert.match(last.output(), /beat \S+ stopped/);

    const runs = new Map<string, number>();
    const app = await StemApp.fromUrl(dbUrl, {
      autoStart: false,
      tasks: [
        new FunctionTaskHandler({
          name: "beat.count",
          entrypoint: (ctx) => void runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1),
        }),
      ],
    });
    try {
      const entry = await app.schedules.get("k");
      assert.ok(entry?.lastRunAt, JSON.stringify(entry));
      await app.worker.drain();
      // A Beat killed after publishing but before recording leaves its fires unrecorded (they
      // ran: its claim blocks the others until its lease passes), so the range ends at the
      // latest fire that ran or was recorded.
      const latest = Math.max(
        entry.lastRunAt!,
        ...[...runs.keys()].map((id) => Number(id.split(":")[2])),
      );
      const expected: string[] = [];
      for (let t = first; t <= latest; t += every) expected.push(fireTaskId("k", t));
      assert.ok(expected.length >= 10, `only ${expected.length} fires`);
      const missing = expected.filter((id) => !runs.has(id));
      assert.deepEqual(missing, [], "no fire lost");
      const twice = [...runs].filter(([, n]) => n > 1);
      assert.deepEqual(twice, [], "no fire run twice");
      const extra = [...runs.keys()].filter((id) => !expected.includes(id));
      assert.deepEqual(extra, [], "no run of a fire that is not on the schedule");
    } finally {
      await app.close();
    }
  });
});
