// Stem on PostgreSQL and on SQLite as bench systems.
import { connect as connectPostgres } from "../../adapters/postgres/mod.ts";
import { resultBackendOf } from "../../src/bootstrap/store_sets.ts";
import { SqliteBroker, SqliteResultBackend } from "../../adapters/sqlite/mod.ts";
import type { Broker } from "../../src/broker/broker.ts";
import type { ResultBackend } from "../../src/backend/result_backend.ts";
import { FunctionTaskHandler } from "../../src/core/task_handler.ts";
import { SimpleTaskRegistry } from "../../src/core/task_registry.ts";
import { Stem } from "../../src/producer/stem.ts";
import { Worker } from "../../src/worker/worker.ts";
import type { BenchSystem, OnJob } from "./system.ts";

const QUEUE = "bench";

/** Builds a Stem system from broker/backend factories. */
function stemSystem(
  name: string,
  storeResults: boolean,
  prefetch: number,
  open: () => Promise<{ broker: Broker; backend: ResultBackend; purge(): Promise<void> }>,
): BenchSystem {
  let broker: Broker, backend: ResultBackend, purge: () => Promise<void>;
  let producer: Stem;
  let onJob: OnJob = () => {};
  const registry = new SimpleTaskRegistry([
    new FunctionTaskHandler({
      name: "bench.noop",
      entrypoint: (_ctx, args: { t: number }) => {
        onJob(args.t);
        return null;
      },
    }),
  ]);
  const options = { queue: QUEUE };
  return {
    name,
    async setup() {
      ({ broker, backend, purge } = await open());
      // The producer records `queued` statuses when the worker stores statuses, as users run it.
      producer = new Stem({ broker, backend: storeResults ? backend : undefined, registry });
    },
    reset: () => purge(),
    enqueueOne: async (t) => {
      await producer.enqueue("bench.noop", { args: { t }, options });
    },
    enqueueBatch: async (count) => {
      const t = Date.now();
      await producer.enqueueMany(
        Array.from({ length: count }, () => ({ name: "bench.noop", args: { t }, options })),
      );
    },
    async startWorker(concurrency, fn) {
      onJob = fn;
      const worker = new Worker({
        broker,
        backend: storeResults ? backend : undefined,
        registry,
        queues: [QUEUE],
        concurrency,
        prefetch,
      });
      await worker.start();
      return () => worker.shutdown({ timeout: 5_000 });
    },
    async close() {
      await broker.close();
      await backend.close();
    },
  };
}

/**
 * Stem with PostgresBroker, prefetch 500 (like graphile-worker's local queue of 500); with
 * `storeResults` the worker also writes running/succeeded statuses
 * to PostgresResultBackend for every task.
 */
export function stemPostgres(url: string, storeResults = true): BenchSystem {
  const name = storeResults ? "stem-postgres" : "stem-postgres-no-results";
  return stemSystem(name, storeResults, 500, async () => {
    // One pool for the broker and the backend, as `StemApp.fromUrl` opens it.
    const stores = await connectPostgres(url, { namespace: "bench_stem", maxBatch: 500 });
    const purge = async () => {
      await stores.sql.unsafe("TRUNCATE stem_jobs, stem_results");
    };
    return { broker: stores.broker, backend: resultBackendOf(stores), purge };
  });
}

/** Stem with SqliteBroker + SqliteResultBackend on one file. */
export function stemSqlite(file: string): BenchSystem {
  return stemSystem("stem-sqlite", true, 100, async () => {
    const broker = await SqliteBroker.open(file);
    const backend = await SqliteResultBackend.open(file);
    const purge = async () => {
      await broker.purge(QUEUE);
    };
    return { broker, backend, purge };
  });
}
