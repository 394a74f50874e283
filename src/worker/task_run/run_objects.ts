/**
 * The small per-task objects of a run, as classes rather than object literals: V8 can pretenure
 * a literal's allocation site after a burst of survivals at start-up, and an old object then
 * keeps the young run it points at alive through every scavenge (see `LeasedDelivery`).
 *
 * @module
 */
import type { Delivery } from "../../broker/broker.ts";
import type { OutcomeBase } from "../../core/task_outcome.ts";
import type { TaskRef } from "../../signals/stem_signals.ts";
import type { RunnerDeps } from "./deps.ts";
import type { OutcomeTarget } from "./record_outcome.ts";
import type { StatusExtras, StatusWriter } from "./status_writer.ts";

/** A run's signal-style reference to its task. */
export class RunRef implements TaskRef {
  /** Task id. */
  readonly id: string;
  /** Task name. */
  readonly name: string;
  /** 0-based attempt. */
  readonly attempt: number;
  /** Queue. */
  readonly queue: string;
  /** Worker running it. */
  readonly workerId: string;

  /** The reference of `delivery` run by worker `workerId`. */
  constructor(delivery: Delivery, workerId: string) {
    const envelope = delivery.envelope;
    this.id = envelope.id;
    this.name = envelope.name;
    this.attempt = envelope.attempt;
    this.queue = delivery.queue;
    this.workerId = workerId;
  }
}

/** What every outcome of a run starts from. */
export class RunBase implements OutcomeBase {
  /** The delivery the outcome settles. */
  readonly delivery: Delivery;
  /** The task it belongs to. */
  readonly ref: TaskRef;

  /** The base of an outcome of `delivery`. */
  constructor(delivery: Delivery, ref: TaskRef) {
    this.delivery = delivery;
    this.ref = ref;
  }
}

/** What recording an outcome needs from its run, as the run hands it over. */
export class RunTarget implements OutcomeTarget {
  /** The worker's dependencies. */
  readonly deps: RunnerDeps;
  /** The run's ordered status writer. */
  readonly writer: StatusWriter;
  /** When the handler started, if it did. */
  readonly startedAt: () => number | undefined;
  /** The delivery was acked before the handler ran. */
  readonly ackedEarly: () => boolean;
  /** Marks the delivery settled; false when it already was. */
  readonly claimSettle: () => boolean;

  /** A target over the run's own accessors. */
  constructor(
    deps: RunnerDeps,
    writer: StatusWriter,
    startedAt: () => number | undefined,
    ackedEarly: () => boolean,
    claimSettle: () => boolean,
  ) {
    this.deps = deps;
    this.writer = writer;
    this.startedAt = startedAt;
    this.ackedEarly = ackedEarly;
    this.claimSettle = claimSettle;
  }
}

/** What a success writes to the status beside the state. */
export class SuccessExtras implements StatusExtras {
  /** Stored result. */
  readonly result: StatusExtras["result"];
  /** Result encoder id when not JSON. */
  readonly encoder: string | undefined;
  /** When the run started and finished. */
  readonly timestamps: StatusExtras["timestamps"];
  /** Meta keys added by this write. */
  readonly meta: StatusExtras["meta"];

  /** The extras of a success. */
  constructor(
    result: StatusExtras["result"],
    encoder: string | undefined,
    timestamps: StatusExtras["timestamps"],
    meta: StatusExtras["meta"],
  ) {
    this.result = result;
    this.encoder = encoder;
    this.timestamps = timestamps;
    this.meta = meta;
  }
}
