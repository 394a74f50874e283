import type { Clock, TimerHandle } from "../core/clock.ts";
import type { Envelope, JsonValue } from "../core/envelope.ts";
import type { EnqueueRequest } from "../core/task_options.ts";
import { IsolateCrashedError, IsolateStartError } from "./isolate_errors.ts";
import type { IsolatedRunner, IsolateProcess } from "./isolated_runner.ts";
import type { IsolateMessage } from "./protocol.ts";
import { fromWireError, toWireError } from "./wire.ts";

/** What a task's context calls do on the worker's side (a `TaskRun` is one). */
export interface IsolateJobHost {
  /** Records and signals progress. */
  progress(percent: number, data: JsonValue | undefined): Promise<void>;
  /** Renews the lease if less than half of it is left. */
  heartbeat(): Promise<void>;
  /** Extends the lease to now + ms. */
  extendLease(ms: number): Promise<void>;
  /** Enqueues a child with lineage. */
  enqueueChild(name: string, request: EnqueueRequest): Promise<string>;
}

/** One task for an isolate. */
export interface IsolateJob {
  /** The delivery's envelope (the isolate builds the task context from it). */
  envelope: Envelope;
  /** Decoded args, already checked to be JSON. */
  args: JsonValue;
}

/** How an isolate ended: exited by itself, killed (limit, revoke, shutdown) or recycled. */
export type IsolateEnd = "crashed" | "killed" | "recycled";

interface Running {
  id: number;
  name: string;
  host: IsolateJobHost;
  settle(outcome: { value: JsonValue } | { error: Error }): void;
}

/**
 * One live isolate: the `init` handshake, one task at a time, its context calls, and the kill
 * after `graceMs` once the task's signal aborts. `gone` is set once it can take no more work.
 */
export class IsolateConnection {
  /** Tasks this isolate has finished. */
  tasksRun = 0;
  /** Memory use in bytes it reported after its last task. */
  memory: number | undefined;
  #gone: Error | undefined;
  #seq = 0;
  #running: Running | undefined;
  #killing: Promise<void> | undefined;
  #isolate!: IsolateProcess;
  readonly #clock: Clock;
  readonly #onGone: (connection: IsolateConnection, how: IsolateEnd) => void;
  #ready: { resolve(): void; reject(error: Error): void } | undefined;

  private constructor(clock: Clock, onGone: (c: IsolateConnection, how: IsolateEnd) => void) {
    this.#clock = clock;
    this.#onGone = onGone;
  }

  /** Starts an isolate and waits until it has loaded `tasks`. */
  static async start(
    runner: IsolatedRunner,
    tasks: string,
    options: {
      clock: Clock;
      startTimeoutMs: number;
      onGone: (c: IsolateConnection, how: IsolateEnd) => void;
    },
  ): Promise<IsolateConnection> {
    const connection = new IsolateConnection(options.clock, options.onGone);
    await connection.#start(runner, tasks, options.startTimeoutMs);
    return connection;
  }

  /** True once the isolate exited or was killed. */
  get gone(): boolean {
    return this.#gone !== undefined;
  }

  #start(runner: IsolatedRunner, tasks: string, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        this.#ready?.reject(new IsolateStartError(tasks, `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#ready = {
        resolve: () => {
          this.#clock.clearTimeout(timer);
          this.#ready = undefined;
          resolve();
        },
        reject: (error) => {
          this.#clock.clearTimeout(timer);
          this.#ready = undefined;
          void this.kill();
          reject(
            error instanceof IsolateStartError
              ? error
              : new IsolateStartError(tasks, error.message, { cause: error }),
          );
        },
      };
      try {
        this.#isolate = runner.spawn({
          message: (message) => this.#onMessage(message),
          exit: (reason) => this.#onExit(reason),
        });
        this.#isolate.send({ type: "init", tasks });
      } catch (error) {
        this.#ready.reject(error as Error);
      }
    });
  }

  /**
   * Runs one task; settles with its result or error. When `signal` aborts, the isolate's task
   * sees `ctx.signal` abort, and the isolate is killed if the task has not ended `graceMs` later;
   * the promise then rejects with the signal's reason only once the isolate is gone.
   */
  run(
    job: IsolateJob,
    host: IsolateJobHost,
    signal: AbortSignal,
    graceMs: number,
  ): Promise<JsonValue> {
    if (this.#gone) return Promise.reject(this.#gone);
    return new Promise((resolve, reject) => {
      const id = ++this.#seq;
      let graceTimer: TimerHandle | undefined;
      const onAbort = () => {
        this.#send({ type: "abort", job: id, reason: toWireError(signal.reason) });
        graceTimer = this.#clock.setTimeout(() => {
          if (this.#running?.id !== id) return;
          this.#running = undefined;
          this.kill().then(() => finish({ error: signal.reason as Error }));
        }, graceMs);
      };
      const finish = (outcome: { value: JsonValue } | { error: Error }) => {
        if (graceTimer !== undefined) this.#clock.clearTimeout(graceTimer);
        signal.removeEventListener("abort", onAbort);
        if ("error" in outcome) reject(outcome.error);
        else resolve(outcome.value);
      };
      this.#running = { id, name: job.envelope.name, host, settle: finish };
      this.#send({ type: "run", job: id, envelope: job.envelope, args: job.args });
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Kills the isolate (idempotent); resolves once it is gone. */
  kill(how: "killed" | "recycled" = "killed"): Promise<void> {
    if (this.#killing) return this.#killing;
    const first = this.#gone === undefined;
    this.#gone ??= new Error("The isolate was stopped.");
    // A task still running here (the pool closed under it) ends too, once the isolate is gone.
    const running = this.#running;
    this.#running = undefined;
    this.#killing = (this.#isolate?.kill() ?? Promise.resolve()).catch(() => {}).finally(() => {
      if (first) this.#onGone(this, how);
      running?.settle({ error: new IsolateCrashedError(running.name, "the pool was closed") });
    });
    return this.#killing;
  }

  #send(message: Parameters<IsolateProcess["send"]>[0]): void {
    try {
      this.#isolate.send(message);
    } catch (error) {
      this.#onExit(error as Error);
    }
  }

  #onExit(reason: Error): void {
    if (this.#gone) return;
    this.#gone = reason;
    this.#ready?.reject(reason);
    const running = this.#running;
    this.#running = undefined;
    running?.settle({
      error: new IsolateCrashedError(running.name, reason.message, { cause: reason }),
    });
    this.#onGone(this, "crashed");
  }

  #onMessage(message: IsolateMessage): void {
    switch (message.type) {
      case "ready":
        return this.#ready?.resolve();
      case "fatal":
        return this.#ready?.reject(fromWireError(message.error));
      case "done": {
        const running = this.#running;
        if (running?.id !== message.job) return;
        this.#running = undefined;
        this.tasksRun++;
        if (message.memory !== undefined) this.memory = message.memory;
        return running.settle(
          message.ok ? { value: message.value } : { error: fromWireError(message.error) },
        );
      }
      case "call":
        return void this.#answer(message);
    }
  }

  async #answer(message: Extract<IsolateMessage, { type: "call" }>): Promise<void> {
    const running = this.#running;
    try {
      if (running?.id !== message.job) throw new Error("The task already finished.");
      const value = await perform(running.host, message.op, message.args);
      this.#send({ type: "reply", call: message.call, ok: true, value });
    } catch (error) {
      this.#send({ type: "reply", call: message.call, ok: false, error: toWireError(error) });
    }
  }
}

async function perform(host: IsolateJobHost, op: string, args: JsonValue): Promise<JsonValue> {
  const fields = (args ?? {}) as Record<string, JsonValue>;
  switch (op) {
    case "progress":
      await host.progress(Number(fields.percent), fields.data);
      return null;
    case "heartbeat":
      await host.heartbeat();
      return null;
    case "extendLease":
      await host.extendLease(Number(args));
      return null;
    case "enqueue":
      return await host.enqueueChild(String(fields.name), (fields.request ?? {}) as EnqueueRequest);
    default:
      throw new TypeError(`Unknown isolate call "${op}".`);
  }
}
