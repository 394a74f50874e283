import { TaskResult } from "../backend/task_result.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import type { Duration } from "../core/duration.ts";
import { assertPayloadsEncodable, validateEnqueueRequest } from "../core/envelope_validation.ts";
import { uuidv7 } from "../core/ids.ts";
import type { TaskCall } from "../core/task_definition.ts";
import type { EnqueueRequest } from "../core/task_options.ts";

/** One enqueue recorded by {@link FakeStem}. */
export interface RecordedEnqueue {
  /** Generated (or requested) task id. */
  id: string;
  /** Task name. */
  name: string;
  /** The request as given. */
  request: EnqueueRequest;
}

/** Options of {@link FakeStem}. */
export interface FakeStemOptions {
  /** Time source for the statuses it reports. @default systemClock */
  clock?: Clock;
}

/**
 * A producer double for unit tests: records enqueues instead of publishing them. Requests are
 * validated like `Stem.enqueue` does, so a test catches a bad field the real producer would
 * refuse.
 *
 * @example
 * ```ts
 * import { FakeStem } from "./fake_stem.ts";
 * const stem = new FakeStem();
 * await stem.enqueue("emails.send", { args: { to: "a@b.c" } });
 * console.log(stem.enqueues[0].name); // "emails.send"
 * ```
 */
export class FakeStem {
  /** Every recorded enqueue, in order. */
  readonly records: RecordedEnqueue[] = [];
  readonly #results = new Map<string, unknown>();
  readonly #clock: Clock;

  /** Creates an empty fake. */
  constructor(options: FakeStemOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  /** Every recorded enqueue, in order (the original's `FakeStem.enqueues`). */
  get enqueues(): readonly RecordedEnqueue[] {
    return this.records;
  }

  /** Validates and records an enqueue by name; a bad request rejects as `Stem.enqueue` would. */
  enqueue(name: string, request: EnqueueRequest = {}): Promise<string> {
    try {
      validateEnqueueRequest(name, request);
      assertPayloadsEncodable(request.args, request);
    } catch (error) {
      return Promise.reject(error);
    }
    const id = request.enqueueOptions?.taskId ?? uuidv7(this.#clock.now());
    this.records.push({ id, name, request });
    return Promise.resolve(id);
  }

  /** Records a typed call. */
  enqueueCall<Args, Result>(call: TaskCall<Args, Result>): Promise<string> {
    return this.enqueue(call.name, call.request);
  }

  /** Records enqueues made under `name` (or all). */
  enqueued(name?: string): RecordedEnqueue[] {
    return name ? this.records.filter((r) => r.name === name) : [...this.records];
  }

  /** Makes `waitForTask(id)` report success with `value`. */
  complete(id: string, value: unknown): void {
    this.#results.set(id, value);
  }

  /** Succeeds for ids passed to `complete`, otherwise reports a timeout. */
  waitForTask<T>(id: string, _options: { timeout?: Duration } = {}): Promise<TaskResult<T>> {
    if (!this.#results.has(id)) {
      return Promise.resolve(new TaskResult<T>(id, null, undefined, { timedOut: true }));
    }
    const now = this.#clock.now();
    const value = this.#results.get(id) as T;
    return Promise.resolve(
      new TaskResult<T>(id, {
        id,
        name: this.records.find((r) => r.id === id)?.name ?? "unknown",
        state: "succeeded",
        result: null,
        error: null,
        attempt: 0,
        meta: {},
        progress: null,
        timestamps: { createdAt: now, updatedAt: now },
      }, value),
    );
  }

  /** Forgets everything recorded. */
  clear(): void {
    this.records.length = 0;
    this.#results.clear();
  }
}
