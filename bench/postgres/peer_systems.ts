// pg-boss and graphile-worker as bench systems, on the same PostgreSQL as Stem.
import { PgBoss } from "pg-boss";
import { Logger, makeWorkerUtils, run, type WorkerUtils } from "graphile-worker";
import type { BenchSystem } from "./system.ts";

const QUEUE = "bench";
const quietLogger = new Logger(() => () => {});

/** pg-boss settings tried; the bench reports the best. */
export type BossMode = "batch" | "concurrent";

/**
 * pg-boss with LISTEN/NOTIFY on. `batch`: one worker fetching 50 jobs at a time, burst while
 * batches are full; `concurrent`: 50 local workers fetching one job each.
 */
export function pgBoss(url: string, mode: BossMode): BenchSystem {
  let boss: PgBoss;
  return {
    name: `pg-boss-${mode}`,
    async setup() {
      boss = new PgBoss({ connectionString: url, schema: "pgboss", useListenNotify: true });
      boss.on("error", () => {});
      await boss.start();
      await boss.createQueue(QUEUE, { notify: true }).catch(() => {});
    },
    reset: async () => {
      await boss.deleteAllJobs(QUEUE);
    },
    enqueueOne: async (t) => {
      await boss.send(QUEUE, { t });
    },
    enqueueBatch: async (count) => {
      const t = Date.now();
      await boss.insert(QUEUE, Array.from({ length: count }, () => ({ data: { t } })));
    },
    async startWorker(concurrency, onJob) {
      const options = mode === "batch"
        ? { batchSize: concurrency, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5 }
        : { localConcurrency: concurrency, batchSize: 1, pollingIntervalSeconds: 0.5 };
      await boss.work<{ t: number }>(QUEUE, options, (jobs) => {
        for (const job of jobs) onJob(job.data.t);
        return Promise.resolve();
      });
      return () => boss.offWork(QUEUE, { wait: true });
    },
    close: () => boss.stop({ graceful: false, timeout: 5_000 }),
  };
}

/** graphile-worker in its batched mode (local queue, batched completion) or plain mode. */
export function graphileWorker(url: string, batched: boolean): BenchSystem {
  let utils: WorkerUtils;
  return {
    name: batched ? "graphile-worker-batched" : "graphile-worker",
    async setup() {
      utils = await makeWorkerUtils({ connectionString: url, logger: quietLogger });
      await utils.migrate();
    },
    reset: async () => {
      await utils.withPgClient((c) => c.query("DELETE FROM graphile_worker._private_jobs"));
    },
    enqueueOne: async (t) => {
      await utils.addJob("noop", { t });
    },
    enqueueBatch: async (count) => {
      const t = Date.now();
      await utils.addJobs(
        Array.from({ length: count }, () => ({ identifier: "noop", payload: { t } })),
      );
    },
    async startWorker(concurrency, onJob) {
      const runner = await run({
        connectionString: url,
        concurrency,
        noHandleSignals: true,
        pollInterval: 2_000,
        logger: quietLogger,
        taskList: { noop: (payload) => onJob((payload as { t: number }).t) },
        preset: batched
          ? {
            worker: {
              localQueue: { size: 500 },
              completeJobBatchDelay: 0,
              failJobBatchDelay: 0,
            },
          }
          : undefined,
      });
      return () => runner.stop();
    },
    close: async () => {
      await utils.release();
    },
  };
}
