import { type Clock, systemClock } from "../../src/core/clock.ts";
import { MIGRATIONS } from "./_sql.ts";
import type { SqliteDriver } from "./driver.ts";
import { BunSqliteDriver } from "./drivers/bun_sqlite.ts";
import { NodeSqliteDriver } from "./drivers/node_sqlite.ts";

/** Which binding to use. `auto` = `bun:sqlite` on Bun, `node:sqlite` elsewhere. */
export type SqliteDriverName = "auto" | "node" | "bun";

/** Options shared by {@link SqliteBroker.open} and {@link SqliteResultBackend.open}. */
export interface SqliteOpenOptions {
  /** Binding. @default "auto" */
  driver?: SqliteDriverName;
  /** How long a write waits for another process's lock. @default "5s" (ms number) */
  busyTimeoutMs?: number;
  /** Time source of the migration ledger. @default systemClock */
  clock?: Clock;
}

/** Strips a `sqlite:` / `sqlite://` prefix; `:memory:` passes through. */
export function sqlitePath(pathOrUrl: string): string {
  if (pathOrUrl.startsWith("sqlite://")) return pathOrUrl.slice("sqlite://".length);
  if (pathOrUrl.startsWith("sqlite:")) return pathOrUrl.slice("sqlite:".length);
  return pathOrUrl;
}

/** Opens the file with WAL, a busy timeout and the schema migrated. */
export async function openDatabase(
  pathOrUrl: string,
  options: SqliteOpenOptions = {},
): Promise<SqliteDriver> {
  const path = sqlitePath(pathOrUrl);
  const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
  const name = options.driver ?? "auto";
  const driver: SqliteDriver = name === "bun" || (name === "auto" && isBun)
    ? await BunSqliteDriver.open(path)
    : new NodeSqliteDriver(path);
  driver.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5_000))}`);
  if (path !== ":memory:") driver.exec("PRAGMA journal_mode = WAL");
  driver.exec("PRAGMA synchronous = NORMAL");
  try {
    migrate(driver, options.clock);
  } catch (error) {
    driver.close();
    throw error;
  }
  return driver;
}

/** Applies missing migrations in one BEGIN IMMEDIATE transaction (the write lock serialises). */
export function migrate(driver: SqliteDriver, clock: Clock = systemClock): number[] {
  return driver.transaction(() => {
    driver.exec(
      "CREATE TABLE IF NOT EXISTS stem_migrations (version INTEGER PRIMARY KEY, " +
        "name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    );
    const done = new Set(
      driver.all<{ version: number }>("SELECT version FROM stem_migrations").map((r) =>
        Number(r.version)
      ),
    );
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      driver.exec(migration.sql);
      driver.run("INSERT INTO stem_migrations (version, name, applied_at) VALUES (?, ?, ?)", [
        migration.version,
        migration.name,
        clock.now(),
      ]);
      applied.push(migration.version);
    }
    return applied;
  });
}
