// The restart-storm scenario of issue 9 item 12, shared by the PostgreSQL and Redis tests: one
// worker (public API only: StemApp.fromUrl) drains a backlog while the server restarts several
// times, then must finish every task, keep consuming, and get every slot back. Every wait is
// bounded by one hang guard that fails with what is still pending instead of hanging.
import assert from "node:assert/strict";
import { type AdapterConnectOptions, FunctionTaskHandler, StemApp } from "../../mod.ts";

/** The server under test and how to restart it. */
export interface StormTarget {
  /** Broker and backend URL. */
  url: string;
  /** Adapter options (namespace, onError...). */
  connect: AdapterConnectOptions;
  /** Stops the server and waits until it has stopped. */
  stop(): Promise<void>;
  /** Starts the server and waits until it accepts commands (same port, same data). */
  start(): Promise<void>;
}

/** The shape of one storm. */
export interface StormPlan {
  /** Tasks enqueued before the worker starts. */
  tasks: number;
  /** Restart the server once this many distinct tasks have succeeded (one entry per restart). */
  restartAfter: number[];
  /** Tasks enqueued after the storm, to prove the worker still consumes. */
  finalBatch: number;
  /**
   * How long the server stays down in each restart, ms. It is the shape of the fault, not a
   * synchronisation: an outage longer than the lease makes renewals and settles fail and leases
   * pass while the worker holds deliveries, the case that used to wedge it.
   */
  downMs: number;
  /** Worker concurrency (the barrier burst holds this many tasks at once). */
  concurrency: number;
  /** Lease of the backlog's tasks. */
  visibilityTimeout: `${number}s`;
  /** Bound of the whole scenario, ms. */
  hangGuardMs: number;
}

/** What a storm measured (for the report; the assertions are inside {@link runRestartStorm}). */
export interface StormReport {
  /**
   * `getTaskStatus` of each backlog task right after the drain (the server is up again): rejected
   * reads, as [message, count]. Checked by the caller: this is the producer's side (item 14).
   */
  statusReadErrors: [string, number][];
  /** Backlog tasks whose status read answered with another state than `succeeded`. */
  notSucceeded: string[];
  /** Handler executions of backlog and final-batch tasks (at-least-once: ≥ tasks). */
  runs: number;
  /** Wall time of each restart, ms. */
  restartMs: number[];
  /** Wall time of the whole scenario, ms. */
  totalMs: number;
  /** Distinct messages the adapter reported through `onError`. */
  adapterErrors: string[];
}

const QUEUE = "storm";

/** Runs the storm against `target`; throws (failing the test) on any broken promise. */
export async function runRestartStorm(target: StormTarget, plan: StormPlan): Promise<StormReport> {
  const started = Date.now();
  const deadline = started + plan.hangGuardMs;
  const adapterErrors = new Set<string>();
  const succeeded = new Set<string>();
  const wakers = new Set<() => void>();
  const wake = () => {
    for (const w of [...wakers]) w();
  };
  let runs = 0;
  let barrierArrived = 0;
  let openBarrier!: () => void;
  const barrier = new Promise<void>((resolve) => (openBarrier = resolve));
  let phase = "starting";
  let waitingFor: string[] = [];
  const restartMs: number[] = [];

  const app = await StemApp.fromUrl(target.url, {
    tasks: [
      new FunctionTaskHandler({
        name: "storm.noop",
        options: { queue: QUEUE },
        entrypoint: (_ctx, args: { n: number }) => {
          runs++;
          return args.n;
        },
      }),
      // Each run waits until `concurrency` runs are inside at once: only a worker with all of its
      // slots (and prefetch units) free can ever open the barrier.
      new FunctionTaskHandler({
        name: "storm.barrier",
        options: { queue: QUEUE },
        entrypoint: async () => {
          if (++barrierArrived === plan.concurrency) openBarrier();
          await barrier;
          return "through";
        },
      }),
    ],
    queues: [QUEUE],
    concurrency: plan.concurrency,
    connect: {
      ...target.connect,
      onError: (error: Error) => adapterErrors.add(error.message),
    },
  });
  const unsubscribe = app.signals.taskSucceeded.connect(({ id }) => {
    succeeded.add(id);
    wake();
  });

  /** The hang guard's message: everything a person needs to see where the worker stopped. */
  const describe = async (): Promise<string> => {
    const counts = await Promise.race([
      app.broker.counts(QUEUE).then((c) => JSON.stringify(c)),
      new Promise<string>((r) => setTimeout(() => r("(counts did not answer in 2 s)"), 2_000)),
    ]).catch((error) => `(counts failed: ${(error as Error).message})`);
    return `phase "${phase}" did not finish within the ${plan.hangGuardMs} ms hang guard: ` +
      `${succeeded.size} tasks succeeded, broker counts ${counts}, worker.inflight ` +
      `${app.worker.inflight} of ${plan.concurrency}, barrier ${barrierArrived} of ` +
      `${plan.concurrency}, ${restartMs.length} of ${plan.restartAfter.length} restarts done, ` +
      `${runs} runs, worker loop error: ${String(app.worker.loopError ?? "none")}, ` +
      `adapter errors: ${[...adapterErrors].slice(0, 5).join(" | ") || "none"}; ` +
      `not succeeded yet: ${await missing()}`;
  };

  /** Up to 10 awaited tasks without a success, each with its stored status (bounded read). */
  const missing = async (): Promise<string> => {
    const ids = waitingFor.filter((id) => !succeeded.has(id));
    const shown = await Promise.all(
      ids.slice(0, 10).map(async (id) => {
        const status = await Promise.race([
          app.backend.get(id).then((s) => JSON.stringify(s)),
          new Promise<string>((r) => setTimeout(() => r("(no answer in 2 s)"), 2_000)),
        ]).catch((error) => `(read failed: ${(error as Error).message})`);
        return `${id} ${status}`;
      }),
    );
    return `${ids.length}${shown.length ? ": " + shown.join("; ") : ""}`;
  };

  /** Resolves when `holds()` is true, re-checked on every success and every 50 ms. */
  const until = async (what: string, holds: () => boolean | Promise<boolean>): Promise<void> => {
    phase = what;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let tick: ReturnType<typeof setInterval> | undefined;
    let check!: () => void;
    try {
      await new Promise<void>((resolve, reject) => {
        let checking = false;
        check = () => {
          if (checking) return;
          checking = true;
          Promise.resolve().then(holds).catch(() => false).then((held) => {
            checking = false;
            if (held) resolve();
          });
        };
        wakers.add(check);
        // worker.inflight and broker counts change without a signal; re-check them on a tick.
        tick = setInterval(check, 50);
        timer = setTimeout(
          () => describe().then((m) => reject(new Error(m)), reject),
          Math.max(0, deadline - Date.now()),
        );
        check();
      });
    } finally {
      wakers.delete(check);
      clearTimeout(timer);
      clearInterval(tick);
    }
  };

  /** Bounds one awaited operation (an enqueue, a restart) by the same hang guard. */
  const bounded = async <T>(what: string, promise: Promise<T>): Promise<T> => {
    phase = what;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        promise,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => describe().then((m) => reject(new Error(m)), reject),
            Math.max(0, deadline - Date.now()),
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };

  const enqueue = async (name: string, count: number, from: number, lease: string) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 250) {
      const chunk = Array.from({ length: Math.min(250, count - i) }, (_, k) => ({
        name,
        args: { n: from + i + k },
        options: { queue: QUEUE, visibilityTimeout: lease as `${number}s` },
      }));
      ids.push(...await bounded(`enqueue ${name}`, app.stem.enqueueMany(chunk)));
    }
    return ids;
  };

  try {
    const backlog = await enqueue("storm.noop", plan.tasks, 0, plan.visibilityTimeout);
    await app.start();
    for (const [i, after] of plan.restartAfter.entries()) {
      await until(`restart ${i + 1} waits for ${after} successes`, () => succeeded.size >= after);
      const t = Date.now();
      await bounded(`stop ${i + 1}`, target.stop());
      await new Promise((r) => setTimeout(r, plan.downMs));
      await bounded(`start ${i + 1}`, target.start());
      restartMs.push(Date.now() - t);
    }
    const allDone = (ids: string[]) => {
      waitingFor = ids;
      return async () => {
        if (ids.every((id) => succeeded.has(id))) return true;
        // An ack whose reply was lost (the server went down mid-call) throws although it took
        // effect: the task succeeded, yet no success signal fires. Once the broker holds nothing
        // of the queue any more, the stored statuses decide.
        const c = await app.broker.counts(QUEUE);
        if (c.pending + c.inflight + c.delayed > 0) return false;
        const rest = ids.filter((id) => !succeeded.has(id));
        const statuses = await Promise.all(rest.map((id) => app.backend.get(id)));
        statuses.forEach((s, k) => s?.state === "succeeded" && succeeded.add(rest[k]));
        return ids.every((id) => succeeded.has(id));
      };
    };
    await until(`drain the backlog of ${plan.tasks}`, allDone(backlog));

    // Statuses are what producers see: every task is `succeeded`, none left `running`/`queued`,
    // and a read made once the server is back answers (issue 9 item 14: no stale error).
    const notSucceeded: string[] = [];
    const readErrors = new Map<string, number>();
    for (let i = 0; i < backlog.length; i += 100) {
      const reads = await bounded(
        "read statuses",
        Promise.allSettled(backlog.slice(i, i + 100).map((id) => app.stem.getTaskStatus(id))),
      );
      reads.forEach((read, k) => {
        if (read.status === "rejected") {
          const message = (read.reason as Error).message;
          readErrors.set(message, (readErrors.get(message) ?? 0) + 1);
        } else if (read.value?.state !== "succeeded") {
          notSucceeded.push(`${backlog[i + k]}: ${read.value?.state}`);
        }
      });
    }

    // Still consuming after the storm.
    const final = await enqueue("storm.noop", plan.finalBatch, plan.tasks, plan.visibilityTimeout);
    await until(`run the final batch of ${plan.finalBatch}`, allDone(final));

    // Every slot came back: `concurrency` tasks run at once (the barrier opens only then).
    const burst = await enqueue("storm.barrier", plan.concurrency, 0, "30s");
    await until(`run ${plan.concurrency} barrier tasks at once`, allDone(burst));
    assert.equal(barrierArrived, plan.concurrency, "each barrier task ran once");
    await until("worker.inflight back to 0", () => app.worker.inflight === 0);

    // Nothing left behind in the broker: no pending, leased or delayed message, nothing dead.
    await until("broker counts back to 0", async () => {
      const c = await app.broker.counts(QUEUE);
      return c.pending === 0 && c.inflight === 0 && c.delayed === 0 && c.dead === 0;
    });
    return {
      statusReadErrors: [...readErrors],
      notSucceeded,
      runs,
      restartMs,
      totalMs: Date.now() - started,
      adapterErrors: [...adapterErrors],
    };
  } finally {
    unsubscribe();
    openBarrier();
    await app.close({ timeout: "5s" }).catch(() => {});
  }
}
