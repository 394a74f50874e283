import type {
  TaskError,
  TaskProgress,
  TaskState,
  TaskStatusInput,
} from "../../backend/task_status.ts";
import { isTerminal } from "../../backend/task_status.ts";
import type { Delivery } from "../../broker/broker.ts";
import type { SetStatusOptions } from "../../backend/status_store.ts";
import type { JsonValue } from "../../core/envelope.ts";
import { silentLogger } from "../../observability/logger.ts";
import type { RunnerDeps } from "./deps.ts";

/** What a status write adds to the envelope's fields. */
export interface StatusExtras {
  /** Stored result. */
  result?: JsonValue;
  /** Result encoder id when not JSON. */
  encoder?: string;
  /** Failure. */
  error?: TaskError;
  /** Meta keys added for this write. */
  meta?: Record<string, JsonValue>;
  /** Timestamps the writer knows. */
  timestamps?: TaskStatusInput["timestamps"];
}

const NO_OPTIONS: SetStatusOptions = Object.freeze({});

/** A status a worker writes: a class, not a literal, so V8 never pretenures it (see LeasedDelivery). */
class WorkerStatus implements TaskStatusInput {
  readonly id: string;
  readonly name: string;
  readonly state: TaskState;
  readonly result: JsonValue;
  readonly error: TaskError | null;
  readonly attempt: number;
  readonly meta: Record<string, JsonValue>;
  readonly progress: TaskProgress | null;
  readonly timestamps: TaskStatusInput["timestamps"];
  declare encoder?: string;

  constructor(
    id: string,
    name: string,
    state: TaskState,
    result: JsonValue,
    error: TaskError | null,
    attempt: number,
    meta: Record<string, JsonValue>,
    progress: TaskProgress | null,
    timestamps: TaskStatusInput["timestamps"],
    encoder: string | undefined,
  ) {
    this.id = id;
    this.name = name;
    this.state = state;
    this.result = result;
    this.error = error;
    this.attempt = attempt;
    this.meta = meta;
    this.progress = progress;
    this.timestamps = timestamps;
    // Only when set: a status without an encoder has no such key, as before.
    if (encoder) this.encoder = encoder;
  }
}
const nothing = (): void => {};

/**
 * Writes one run's statuses in order on any backend (pooled connections included): each write
 * waits for the one before. The last progress report is kept on every later write, the final one
 * included. A failed `running` or progress write is logged, never blocks the outcome.
 */
export class StatusWriter {
  readonly #deps: RunnerDeps;
  readonly #delivery: Delivery;
  #tail: Promise<unknown> = Promise.resolve();
  #inFlight = 0;
  #progress: TaskProgress | null = null;

  /** A writer for the statuses of `delivery`. */
  constructor(deps: RunnerDeps, delivery: Delivery) {
    this.#deps = deps;
    this.#delivery = delivery;
  }

  /** Records `running` without waiting (it overlaps the handler). */
  running(startedAt: number): void {
    // Without a backend there is nothing to order or to report.
    if (!this.#deps.backend) return;
    this.#background(this.write("running", { timestamps: { startedAt } }));
  }

  /** Records progress; it stays on the status from now on. */
  progress(progress: TaskProgress, startedAt: number): Promise<void> {
    this.#progress = progress;
    return this.write("running", { timestamps: { startedAt } });
  }

  /** Writes a status after every earlier write of this run; rejects when the backend does. */
  write(state: TaskState, extras: StatusExtras = {}): Promise<void> {
    return this.#ordered(() => this.#write(state, extras));
  }

  /**
   * Writes a terminal status and acks the delivery, after every earlier write: in one round trip
   * when the backend offers `setAndAck` for the broker (a group member's result is added before
   * the ack, so it takes the two steps).
   */
  writeAndAck(state: TaskState, extras: StatusExtras): Promise<void> {
    const { backend, broker } = this.#deps;
    // No backend and no earlier write in flight: the ack alone (no status chain per task).
    if (!backend && this.#inFlight === 0) return broker.ack(this.#delivery);
    if (!backend?.setAndAck || this.#delivery.envelope.groupId) {
      return this.write(state, extras).then(() => broker.ack(this.#delivery));
    }
    return this.#ordered(() => {
      const status = this.#status(state, extras);
      const together = backend.setAndAck!(status, this.#setOptions(), broker, this.#delivery);
      if (together) return together.then(() => {});
      return backend.set(status, this.#setOptions()).then(() => broker.ack(this.#delivery));
    });
  }

  #ordered(run: () => Promise<void>): Promise<void> {
    // With nothing in flight the write starts at once (no extra promise hops on the hot path).
    const write = this.#inFlight === 0 ? run() : this.#tail.then(run);
    this.#inFlight++;
    // One promise per write for the tail (not catch + finally): it never rejects.
    const done = () => void this.#inFlight--;
    this.#tail = write.then(done, done);
    return write;
  }

  /**
   * The terminal state a worker already recorded for this task (so this delivery is a stale
   * copy), or null. A producer's "publish failed" status does not count: the message may have
   * been published anyway, and then it should run.
   */
  async finishedState(): Promise<TaskState | null> {
    const backend = this.#deps.backend;
    if (!backend) return null;
    const status = await backend.get(this.#delivery.envelope.id);
    if (!status || !isTerminal(status.state)) return null;
    return typeof status.meta.worker === "string" ? status.state : null;
  }

  #background(write: Promise<void>): void {
    write.catch((error) => {
      (this.#deps.logger ?? silentLogger).warn("Could not record a task's status", {
        taskId: this.#delivery.envelope.id,
        error,
      });
    });
  }

  #setOptions(): SetStatusOptions {
    const ttl = this.#deps.resultTtl;
    return ttl === undefined ? NO_OPTIONS : { ttl };
  }

  #status(state: TaskState, extras: StatusExtras): TaskStatusInput {
    const deps = this.#deps;
    const envelope = this.#delivery.envelope;
    return new WorkerStatus(
      envelope.id,
      envelope.name,
      state,
      extras.result ?? null,
      extras.error ?? null,
      envelope.attempt,
      { ...envelope.meta, ...extras.meta, queue: this.#delivery.queue, worker: deps.workerId },
      state === "queued" ? null : this.#progress,
      extras.timestamps,
      extras.encoder,
    );
  }

  #write(state: TaskState, extras: StatusExtras): Promise<void> {
    // Not an async function (it runs twice per task); a throw still arrives as a rejection.
    const backend = this.#deps.backend;
    if (!backend) return Promise.resolve();
    try {
      const written = backend.set(this.#status(state, extras), this.#setOptions());
      const groupId = this.#delivery.envelope.groupId;
      if (groupId && isTerminal(state)) {
        return written.then((saved) => backend.addGroupResult(groupId, saved)).then(nothing);
      }
      return written.then(nothing);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
