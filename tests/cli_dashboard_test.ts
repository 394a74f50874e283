// `stem dashboard` as a real CLI process against a real redis-server: it serves the pages, needs
// credentials off loopback, checks them, and stops cleanly on SIGTERM with its streams open.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { StemApp } from "../mod.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import { runCli, startCli } from "./helpers/cli_process.ts";

describe("stem dashboard (real Redis)", { skip: redisSkipReason() ?? false }, () => {
  let redis: RedisServer;
  let url: string;

  before(async () => {
    redis = await startRedisServer();
    url = `redis://127.0.0.1:${redis.port}/0`;
    const app = await StemApp.fromUrl(url, { autoStart: false });
    for (let i = 0; i < 2; i++) await app.stem.enqueue("mail.send", { options: { queue: "mail" } });
    await app.close();
  });
  after(async () => {
    await redis?.stop();
  });

  test("serves the overview with the queue's counts and stops on SIGTERM with a stream open", async () => {
    const cli = startCli(["dashboard", "--broker", url, "--port", "0", "--queue", "mail"]);
    try {
      const line = await cli.line(/^\[stem\] dashboard http:/);
      const base = line.split(" ").at(-1)!;
      const response = await fetch(base);
      assert.equal(response.status, 200);
      const html = await response.text();
      assert.match(html, /<tr data-queue="mail">[\s\S]*?data-count="pending">2</);
      // `stem dashboard` wires remote control: the queue page has Pause.
      assert.match(await (await fetch(`${base}queues/mail`)).text(), />Pause</);
      const stream = await fetch(`${base}events`);
      const reader = stream.body!.getReader();
      assert.match(new TextDecoder().decode((await reader.read()).value), /event: ready/);
      process.kill(cli.child.pid!, "SIGTERM");
      assert.equal(await cli.exited, 0);
      assert.match(cli.output(), /\[stem\] dashboard stopped/);
      await reader.cancel().catch(() => {});
    } finally {
      cli.kill();
    }
  });

  test("off loopback it needs credentials (exit 64), and then checks them", async () => {
    const refused = runCli(["dashboard", "--broker", url, "--hostname", "0.0.0.0"]);
    assert.equal(refused.status, 64);
    assert.match(refused.stderr, /needs credentials: pass --basic user:password or --token/);
    const cli = startCli(
      ["dashboard", "--broker", url, "--port", "0", "--base-path", "/stem"],
      { STEM_DASHBOARD_BASIC: "ops:s3cret-pass" },
    );
    try {
      const base = (await cli.line(/^\[stem\] dashboard http:/)).split(" ").at(-1)!;
      assert.match(base, /\/stem\/$/);
      assert.equal((await fetch(base)).status, 401);
      const ok = await fetch(`${base}queues`, {
        headers: { authorization: `Basic ${btoa("ops:s3cret-pass")}` },
      });
      assert.equal(ok.status, 200);
      assert.match(await ok.text(), /href="\/stem\/queues\/default"/);
    } finally {
      cli.kill();
      await cli.exited;
    }
    assert.doesNotMatch(cli.output(), /s3cret-pass/);
  });
});
