// Deterministic ways to make a broker's settles fail while its own settle and accounting code
// runs: a fault injected under the Redis transport or the postgres.js client, and for SQLite a
// write lock held by another connection (a real SQLITE_BUSY).
import { DatabaseSync } from "node:sqlite";
import { scripts } from "../../adapters/redis/_scripts.ts";
import { connectTransport } from "../../adapters/redis/connect.ts";
import {
  type RedisBrokerOptions,
  RedisStreamsBroker,
} from "../../adapters/redis/broker/redis_streams_broker.ts";
import type { RedisTransport } from "../../adapters/redis/transport.ts";
import { SQL } from "../../adapters/postgres/_sql.ts";
import {
  PostgresBroker,
  type PostgresBrokerOptions,
} from "../../adapters/postgres/postgres_broker.ts";
import { SqliteBroker } from "../../adapters/sqlite/sqlite_broker.ts";
import type { FaultyBroker } from "../../src/testing/contracts/broker/settle_cases.ts";

const injected = () => Promise.reject(new Error("injected settle failure"));

/** Forwards every member of `target` except `overrides` (bound, so #private fields work). */
function wrap<T extends object>(target: T, overrides: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get(t, p) {
      if (p in overrides) return overrides[p as keyof T];
      const value = Reflect.get(t, p, t);
      return typeof value === "function" ? value.bind(t) : value;
    },
  });
}

/** A Redis broker whose ack, nack, dead-letter and publish scripts fail while broken. */
export async function faultyRedisBroker(
  url: string,
  options: RedisBrokerOptions,
): Promise<FaultyBroker> {
  const transport = await connectTransport(url, options);
  const settles = new Set<unknown>([
    scripts.ack,
    scripts.nack,
    scripts.deadLetter,
    scripts.publish,
  ]);
  let broken = false;
  const faulty = wrap<RedisTransport>(transport, {
    script: (script: unknown, keys: string[], args: string[]) =>
      broken && settles.has(script)
        ? injected()
        : transport.script(script as typeof scripts.ack, keys, args),
  });
  const broker = new RedisStreamsBroker(faulty, { ...options, ownsTransport: true });
  return { broker, breakSettles: () => void (broken = true), repair: () => void (broken = false) };
}

/** A Postgres broker whose delete, requeue, dead-letter and insert statements fail while broken. */
export async function faultyPostgresBroker(
  url: string,
  options: PostgresBrokerOptions,
): Promise<FaultyBroker> {
  const owner = await PostgresBroker.connect(url, { ...options, max: 2 });
  const sql = owner.sql;
  const settles = new Set<string>([
    SQL.jobsDelete,
    SQL.jobsRequeue,
    SQL.jobsDeleteOne,
    SQL.dlqInsertHeld,
    SQL.jobsInsert,
  ]);
  let broken = false;
  const faulty = wrap(sql, {
    unsafe: (text: string, ...rest: unknown[]) =>
      broken && settles.has(text)
        ? injected()
        : (sql.unsafe as (...a: unknown[]) => unknown)(text, ...rest),
    // A dead letter is a transaction: fail it as a whole.
    begin: (...args: unknown[]) =>
      broken ? injected() : (sql.begin as (...a: unknown[]) => unknown)(...args),
  });
  const broker = await PostgresBroker.connect(url, { ...options, sql: faulty });
  return {
    broker,
    breakSettles: () => void (broken = true),
    repair: () => void (broken = false),
    close: () => owner.close(),
  };
}

/** A SQLite broker on `file`; breaking its settles holds the write lock from another connection. */
export async function faultySqliteBroker(file: string): Promise<FaultyBroker> {
  const broker = await SqliteBroker.open(file, { busyTimeoutMs: 0 });
  const locker = new DatabaseSync(file);
  return {
    broker,
    breakSettles: () => locker.exec("BEGIN EXCLUSIVE"),
    repair: () => {
      locker.exec("ROLLBACK");
      locker.close();
    },
  };
}
