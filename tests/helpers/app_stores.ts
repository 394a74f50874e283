// The stores a StemApp-level test loops over: SQLite files, a real redis-server and a real
// PostgreSQL (each started once per file, stopped after it by pid), each opened with a fresh
// namespace or file per call so two apps on one `url()`+`options()` share it like two processes.
import { after } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { StemAppUrlOptions } from "../../mod.ts";
import { redisSkipReason, startRedisServer } from "./redis_server.ts";
import { postgresSkipReason, startPostgres } from "./postgres_server.ts";

/** One store to run the tests on, or why it cannot run here. */
export interface AppStore {
  /** Shown in test titles. */
  name: string;
  /** The skip reason, when the server is missing outside CI. */
  skip: string | false | null;
  /** A fresh URL (a new SQLite file) or the server's URL. */
  url(): string;
  /** Options that select a fresh namespace on the server. */
  options(): StemAppUrlOptions;
}

/** Starts the servers `kinds` needs and returns one {@link AppStore} per kind, in order. */
export async function appStores(
  kinds: ("memory" | "sqlite" | "redis" | "postgres")[],
): Promise<AppStore[]> {
  const dir = mkdtempSync(join(tmpdir(), "stem-app-stores-"));
  const redisSkip = kinds.includes("redis") ? redisSkipReason() : "not requested";
  const postgresSkip = kinds.includes("postgres") ? postgresSkipReason() : "not requested";
  const redis = redisSkip ? null : await startRedisServer();
  const postgres = postgresSkip ? null : await startPostgres();
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await redis?.stop();
    await postgres?.stop();
  });
  let n = 0;
  const namespace = (sep: string) => `st${++n}${sep}${Math.random().toString(36).slice(2, 7)}`;
  const all: Record<string, AppStore> = {
    memory: { name: "memory", skip: null, url: () => "memory://", options: () => ({}) },
    sqlite: {
      name: "sqlite",
      skip: null,
      url: () => `sqlite:${join(dir, `s-${++n}.db`)}`,
      options: () => ({}),
    },
    redis: {
      name: "redis",
      skip: redisSkip,
      url: () => redis!.url,
      options: () => ({ connect: { namespace: namespace("") } }),
    },
    postgres: {
      name: "postgres",
      skip: postgresSkip,
      url: () => postgres!.url,
      options: () => ({ connect: { namespace: namespace("_") } }),
    },
  };
  return kinds.map((kind) => all[kind]);
}
