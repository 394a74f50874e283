import type { Clock } from "../core/clock.ts";
import { toMillis } from "../core/duration.ts";
import type { JsonValue } from "../core/envelope.ts";
import { type Logger, silentLogger } from "../observability/logger.ts";
import { Semaphore } from "../worker/semaphore.ts";
import {
  IsolateConnection,
  type IsolateEnd,
  type IsolateJob,
  type IsolateJobHost,
} from "./isolate_connection.ts";
import type { IsolatedRunner } from "./isolated_runner.ts";
import type { IsolateOptions, IsolatePoolStats } from "./isolate_options.ts";

/** One isolate reserved for one task; {@link IsolateSlot.release} gives it back. */
export interface IsolateSlot {
  /** Runs the task in the reserved isolate (see `IsolateConnection.run`). */
  run(job: IsolateJob, host: IsolateJobHost, signal: AbortSignal): Promise<JsonValue>;
  /** Returns the isolate to the pool, or retires it; resolves once a retired one is gone. */
  release(): Promise<void>;
}

/**
 * A bounded pool of isolates that load one tasks module: isolates start on demand, serve one task
 * at a time, are recycled after `maxTasksPerIsolate` tasks or past `maxIsolateMemory`, and are
 * replaced after a crash or a kill. A slot is held until its isolate is idle again or gone.
 */
export class IsolatePool {
  readonly #options: IsolateOptions;
  readonly #size: number;
  readonly #slots: Semaphore;
  readonly #idle: IsolateConnection[] = [];
  readonly #live = new Set<IsolateConnection>();
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #tasks: string;
  #runner: Promise<IsolatedRunner> | undefined;
  #closed = false;
  #killsBusyLoops: boolean | undefined;
  readonly #counts = { started: 0, recycled: 0, killed: 0, crashed: 0 };

  /** Creates a pool; nothing starts until the first task. */
  constructor(options: IsolateOptions, deps: { clock: Clock; logger?: Logger }) {
    if (!options.runner) {
      throw new TypeError(
        "isolate.runner is missing: StemApp picks one for the runtime; a plain Worker needs " +
          "one from workers/isolate/ (bunIsolatedRunner, denoSubprocessRunner).",
      );
    }
    this.#options = options;
    this.#size = positive(options.size ?? 2, "isolate.size");
    if (options.maxTasksPerIsolate !== undefined) {
      positive(options.maxTasksPerIsolate, "isolate.maxTasksPerIsolate");
    }
    this.#slots = new Semaphore(this.#size);
    this.#clock = deps.clock;
    this.#logger = deps.logger ?? silentLogger;
    this.#tasks = String(options.tasks);
  }

  /** Counters and occupancy, for heartbeats and `stats`. */
  stats(): IsolatePoolStats {
    const idle = this.#idle.length;
    return { size: this.#size, busy: this.#live.size - idle, idle, ...this.#counts };
  }

  /**
   * Reserves an isolate, starting one when none is idle; waits while all are busy. Rejects with
   * the signal's reason when it aborts first, or with `IsolateStartError`.
   */
  async acquire(signal: AbortSignal): Promise<IsolateSlot> {
    if (this.#closed) throw new Error("The worker's isolate pool is closed (it shut down).");
    if (!(await this.#slots.acquire(signal))) throw signal.reason;
    let connection: IsolateConnection;
    try {
      connection = this.#idle.pop() ?? await this.#start();
    } catch (error) {
      this.#slots.release();
      throw error;
    }
    return this.#slot(connection);
  }

  /**
   * Starts isolates until `size` are up (idle ones count), so the first tasks do not wait for a
   * start; resolves once they loaded the tasks module, rejects with the first start failure.
   */
  async warm(): Promise<void> {
    const missing = this.#size - this.#live.size;
    const never = new AbortController().signal;
    const slots = await Promise.allSettled(
      Array.from({ length: Math.max(0, missing) }, () => this.acquire(never)),
    );
    await Promise.all(slots.map((slot) => slot.status === "fulfilled" && slot.value.release()));
    const failed = slots.find((slot) => slot.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  /** Kills every isolate; tasks still running in one fail as crashed. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#idle.length = 0;
    await Promise.all([...this.#live].map((connection) => connection.kill()));
  }

  #slot(connection: IsolateConnection): IsolateSlot {
    let released: Promise<void> | undefined;
    const graceMs = toMillis(this.#options.killGraceMs ?? 200);
    return {
      run: (job, host, signal) => connection.run(job, host, signal, graceMs),
      release: () => released ??= this.#release(connection),
    };
  }

  async #release(connection: IsolateConnection): Promise<void> {
    try {
      if (connection.gone) return;
      if (this.#closed || this.#retire(connection)) {
        await connection.kill("recycled");
        return;
      }
      this.#idle.push(connection);
    } finally {
      this.#slots.release();
    }
  }

  #retire(connection: IsolateConnection): boolean {
    const { maxTasksPerIsolate, maxIsolateMemory } = this.#options;
    if (maxTasksPerIsolate !== undefined && connection.tasksRun >= maxTasksPerIsolate) return true;
    return maxIsolateMemory !== undefined && connection.memory !== undefined &&
      connection.memory > maxIsolateMemory * 1024 * 1024;
  }

  async #start(): Promise<IsolateConnection> {
    const runner = await (this.#runner ??= runnerOf(this.#options));
    this.#killsBusyLoops = runner.killsBusyLoops;
    const connection = await IsolateConnection.start(runner, this.#tasks, {
      clock: this.#clock,
      startTimeoutMs: toMillis(this.#options.startTimeout ?? "30s"),
      onGone: (gone, how) => this.#onGone(gone, how),
    });
    this.#counts.started++;
    this.#live.add(connection);
    return connection;
  }

  #onGone(connection: IsolateConnection, how: IsolateEnd): void {
    if (!this.#live.delete(connection)) return;
    const at = this.#idle.indexOf(connection);
    if (at >= 0) this.#idle.splice(at, 1);
    this.#counts[how]++;
    if (how === "killed" && this.#killsBusyLoops === false) {
      this.#logger.warn(
        "A task isolate was terminated on a runner that cannot stop a busy loop; if the task " +
          "spins, its thread keeps a core busy (use the subprocess runner on Deno)",
        { tasks: this.#tasks },
      );
    }
    if (how === "crashed") {
      this.#logger.warn("A task isolate exited; the next task starts a fresh one", {
        tasks: this.#tasks,
      });
    }
  }
}

function runnerOf(options: IsolateOptions): Promise<IsolatedRunner> {
  const runner = options.runner!;
  return typeof runner === "function" ? runner() : Promise.resolve(runner);
}

function positive(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Invalid ${name} ${value}: use an integer of 1 or more.`);
  }
  return value;
}
