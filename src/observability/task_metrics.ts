import type { Counter, Histogram, Meter, UpDownCounter } from "@opentelemetry/api";
import type { TaskMiddleware } from "../core/middleware.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import type { StemSignalSet } from "../signals/stem_signals.ts";
import { queueOverview, type QueueOverviewSource } from "../inspect/queue_overview.ts";
import { escapeLabel, MetricRegistry } from "./metric_registry.ts";

/** Options of {@link TaskMetrics}. */
export interface TaskMetricsOptions {
  /** An OpenTelemetry meter the same measurements also go to. @default none */
  meter?: Meter;
  /** Time source of task durations. @default systemClock */
  clock?: Clock;
  /** Upper bounds of the duration histogram's buckets, ms. */
  durationBuckets?: number[];
}

const DEFAULT_BUCKETS_MS = [
  5,
  10,
  25,
  50,
  100,
  250,
  500,
  1_000,
  2_500,
  5_000,
  10_000,
  30_000,
  60_000,
];

/** Buckets of Beat's lateness histogram, ms: fine near zero, where a healthy Beat is. */
const LATENESS_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 250, 500, 1_000, 5_000, 30_000];

interface OtelInstruments {
  enqueued: Counter;
  started: Counter;
  outcomes: Counter;
  duration: Histogram;
  inflight: UpDownCounter;
  revoked: Counter;
  deduplicated: Counter;
  leaseRenewals: Counter;
}

/**
 * Task metrics: enqueued, started and finished counts by task, queue and outcome, a duration
 * histogram, tasks in flight and (at scrape time) queue depths. Recorded by the middleware it
 * returns; read as Prometheus text (`stemApi`'s `/metrics`) and, when a `meter` is given, sent
 * through the OpenTelemetry metrics API as well.
 *
 * @example
 * ```ts
 * import { StemApp, TaskMetrics } from "@stem/stem";
 * const metrics = new TaskMetrics();
 * const app = await StemApp.inMemory({ middleware: [metrics.middleware()] });
 * console.log(await metrics.prometheus());
 * await app.close();
 * ```
 */
export class TaskMetrics {
  readonly #registry = new MetricRegistry();
  readonly #clock: Clock;
  readonly #buckets: number[];
  readonly #otel: OtelInstruments | undefined;
  #queues: { source: QueueOverviewSource; names: string[] } | undefined;
  readonly #meter: Meter | undefined;

  /** Creates an empty set of metrics. */
  constructor(options: TaskMetricsOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#buckets = [...(options.durationBuckets ?? DEFAULT_BUCKETS_MS)].sort((a, b) => a - b);
    const meter = options.meter;
    this.#meter = meter;
    this.#otel = meter && {
      enqueued: meter.createCounter("stem.tasks.enqueued", { description: "Tasks published." }),
      started: meter.createCounter("stem.tasks.started", { description: "Handlers started." }),
      outcomes: meter.createCounter("stem.tasks.finished", {
        description: "Task deliveries settled, by outcome.",
      }),
      duration: meter.createHistogram("stem.task.duration", {
        description: "Handler run time.",
        unit: "ms",
        advice: { explicitBucketBoundaries: this.#buckets },
      }),
      inflight: meter.createUpDownCounter("stem.tasks.inflight", {
        description: "Handlers running now.",
      }),
      revoked: meter.createCounter("stem.tasks.revoked", {
        description: "Tasks cancelled by a revocation.",
      }),
      deduplicated: meter.createCounter("stem.tasks.deduplicated", {
        description: "Enqueues of a unique task that returned the pending task's id.",
      }),
      leaseRenewals: meter.createCounter("stem.lease.renewals", {
        description: "Renewals of running tasks' delivery leases, by result.",
      }),
    };
  }

  /** The middleware that records; give it to the producer and the worker (`StemApp` middleware). */
  middleware(): TaskMiddleware {
    return {
      onEnqueue: async (envelope, next) => {
        const id = await next(envelope);
        const labels = { task: envelope.name, queue: envelope.queue };
        this.#registry.add("stem_tasks_enqueued_total", labels, 1);
        this.#otel?.enqueued.add(1, labels);
        return id;
      },
      onExecute: async (ctx, next) => {
        const labels = { task: ctx.name, queue: ctx.queue };
        this.#registry.add("stem_tasks_started_total", labels, 1);
        this.#registry.add("stem_tasks_inflight", labels, 1);
        this.#otel?.started.add(1, labels);
        this.#otel?.inflight.add(1, labels);
        const started = this.#clock.now();
        try {
          return await next();
        } finally {
          const ms = this.#clock.now() - started;
          this.#registry.add("stem_tasks_inflight", labels, -1);
          this.#registry.observe("stem_task_duration_ms", labels, ms, this.#buckets);
          this.#otel?.inflight.add(-1, labels);
          this.#otel?.duration.record(ms, labels);
        }
      },
      onOutcome: (outcome, next) => {
        const labels = {
          task: outcome.ref.name,
          queue: outcome.delivery.queue,
          outcome: outcome.kind,
        };
        this.#registry.add("stem_tasks_finished_total", labels, 1);
        this.#otel?.outcomes.add(1, labels);
        if (outcome.kind === "cancelled" && outcome.reason.startsWith("revoked: ")) {
          const ref = { task: outcome.ref.name, queue: outcome.delivery.queue };
          this.#registry.add("stem_tasks_revoked_total", ref, 1);
          this.#otel?.revoked.add(1, ref);
        }
        return next();
      },
    };
  }

  /**
   * Counts what only signals see (pass `app.signals`, or the set given to a `Beat`):
   * deduplicated enqueues of unique tasks (`stem_tasks_deduplicated_total{task,queue,mode}`),
   * lease renewals of running tasks (`stem_lease_renewals_total{queue,result}`), and Beat's
   * dispatches: `stem_beat_dispatched_total{entry,task,result}` (`dispatched` or `duplicate`),
   * `stem_beat_failed_total{entry,task}` and the lateness histogram `stem_beat_lateness_ms{entry}`
   * (publish time minus fire time); with a `meter`, also `stem.beat.dispatched`,
   * `stem.beat.failed` and `stem.beat.lateness`. Returns a function that disconnects.
   */
  observe(signals: StemSignalSet): () => void {
    const offs = [
      signals.taskDeduplicated.connect(({ name, queue, mode }) => {
        const labels = { task: name, queue, mode };
        this.#registry.add("stem_tasks_deduplicated_total", labels, 1);
        this.#otel?.deduplicated.add(1, labels);
      }),
      signals.taskLeaseRenewed.connect(({ queue, result }) => {
        const labels = { queue, result };
        this.#registry.add("stem_lease_renewals_total", labels, 1);
        this.#otel?.leaseRenewals.add(1, labels);
      }),
      ...this.#observeBeat(signals),
    ];
    return () => offs.forEach((off) => off());
  }

  /** Beat's dispatches, failures and lateness; the listeners' disconnects. */
  #observeBeat(signals: StemSignalSet): (() => void)[] {
    const otel = this.#meter && {
      dispatched: this.#meter.createCounter("stem.beat.dispatched", {
        description: "Schedule fires Beat published.",
      }),
      failed: this.#meter.createCounter("stem.beat.failed", {
        description: "Schedule fires Beat could not publish (retried).",
      }),
      lateness: this.#meter.createHistogram("stem.beat.lateness", {
        description: "Publish time minus fire time of schedule fires.",
        unit: "ms",
        advice: { explicitBucketBoundaries: LATENESS_BUCKETS_MS },
      }),
    };
    const dispatched = signals.scheduleEntryDispatched.connect((fire) => {
      const labels = {
        entry: fire.entryId,
        task: fire.task,
        result: fire.duplicate ? "duplicate" : "dispatched",
      };
      this.#registry.add("stem_beat_dispatched_total", labels, 1);
      otel?.dispatched.add(1, labels);
      if (fire.duplicate) return;
      this.#registry.observe(
        "stem_beat_lateness_ms",
        { entry: fire.entryId },
        fire.driftMs,
        LATENESS_BUCKETS_MS,
      );
      otel?.lateness.record(fire.driftMs, { entry: fire.entryId });
    });
    const failed = signals.scheduleEntryFailed.connect((fire) => {
      const labels = { entry: fire.entryId, task: fire.task };
      this.#registry.add("stem_beat_failed_total", labels, 1);
      otel?.failed.add(1, labels);
    });
    return [dispatched, failed];
  }

  /**
   * Reads queue depths from `source` at every scrape (`stem_queue_messages{queue,state}`): the
   * queues named plus every queue a live worker consumes. Pass `app.stores`.
   */
  trackQueues(source: QueueOverviewSource, names: string[] = []): this {
    this.#queues = { source, names };
    return this;
  }

  /** Count of a counter for the given labels (0 when never recorded). */
  value(name: string, labels: Record<string, string>): number {
    return this.#registry.value(name, labels);
  }

  /** Every metric in the Prometheus text exposition format, queue depths read now. */
  async prometheus(): Promise<string> {
    const lines = this.#registry.render(HELP);
    if (this.#queues) {
      const rows = await queueOverview(this.#queues.source, this.#queues.names);
      lines.push(
        "# HELP stem_queue_messages Messages per queue and state.",
        "# TYPE stem_queue_messages gauge",
      );
      for (const row of rows) {
        for (const state of ["pending", "inflight", "delayed", "dead"] as const) {
          lines.push(
            `stem_queue_messages{queue="${escapeLabel(row.queue)}",state="${state}"} ${row[state]}`,
          );
        }
      }
    }
    return lines.join("\n") + "\n";
  }
}

const HELP: Record<string, [string, "counter" | "gauge" | "histogram"]> = {
  stem_tasks_enqueued_total: ["Tasks published.", "counter"],
  stem_tasks_started_total: ["Handlers started.", "counter"],
  stem_tasks_finished_total: ["Task deliveries settled, by outcome.", "counter"],
  stem_tasks_inflight: ["Handlers running now.", "gauge"],
  stem_task_duration_ms: ["Handler run time in milliseconds.", "histogram"],
  stem_tasks_revoked_total: ["Tasks cancelled by a revocation.", "counter"],
  stem_tasks_deduplicated_total: ["Enqueues of a unique task that found one pending.", "counter"],
  stem_lease_renewals_total: ["Lease renewals of running tasks, by result.", "counter"],
  stem_beat_dispatched_total: ["Schedule fires Beat published, by result.", "counter"],
  stem_beat_failed_total: ["Schedule fires Beat could not publish.", "counter"],
  stem_beat_lateness_ms: ["Publish time minus fire time of schedule fires, ms.", "histogram"],
};
