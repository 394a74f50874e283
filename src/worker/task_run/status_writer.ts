import type {
  TaskError,
  TaskProgress,
  TaskState,
  TaskStatusInput,
} from "../../backend/task_status.ts";
import { isTerminal } from "../../backend/task_status.ts";
import type { Delivery } from "../../broker/broker.ts";
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
    this.#background(this.write("running", { timestamps: { startedAt } }));
  }

  /** Records progress; it stays on the status from now on. */
  progress(progress: TaskProgress, startedAt: number): Promise<void> {
    this.#progress = progress;
    return this.write("running", { timestamps: { startedAt } });
  }

  /** Writes a status after every earlier write of this run; rejects when the backend does. */
  write(state: TaskState, extras: StatusExtras = {}): Promise<void> {
    // With nothing in flight the write starts at once (no extra promise hops on the hot path).
    const write = this.#inFlight === 0
      ? this.#write(state, extras)
      : this.#tail.then(() => this.#write(state, extras));
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

  async #write(state: TaskState, extras: StatusExtras): Promise<void> {
    const deps = this.#deps;
    if (!deps.backend) return;
    const envelope = this.#delivery.envelope;
    const status: TaskStatusInput = {
      id: envelope.id,
      name: envelope.name,
      state,
      result: extras.result ?? null,
      error: extras.error ?? null,
      attempt: envelope.attempt,
      meta: {
        ...envelope.meta,
        ...extras.meta,
        queue: this.#delivery.queue,
        worker: deps.workerId,
      },
      progress: state === "queued" ? null : this.#progress,
      timestamps: extras.timestamps,
    };
    if (extras.encoder) status.encoder = extras.encoder;
    const saved = await deps.backend.set(
      status,
      deps.resultTtl === undefined ? {} : { ttl: deps.resultTtl },
    );
    if (envelope.groupId && isTerminal(state)) {
      await deps.backend.addGroupResult(envelope.groupId, saved);
    }
  }
}
