import type { TaskResult } from "../backend/task_result.ts";
import type { TaskStatus } from "../backend/task_status.ts";
import { Stem, type StemOptions } from "../producer/stem.ts";

/** Options of {@link AutoStartStem}: the producer's plus the hook run before each call. */
export interface AutoStartStemOptions extends StemOptions {
  /** Runs before every enqueue, status read and wait (the app starts its worker here). */
  beforeUse: () => Promise<void>;
}

/**
 * The producer of a `StemApp`: a `Stem` that lets the app start its worker on first use, as the
 * original's bootstrap does, so `enqueue` then `waitForTask` works without an explicit `start()`.
 */
export class AutoStartStem extends Stem {
  readonly #beforeUse: () => Promise<void>;

  /** Creates the producer; `beforeUse` runs before every public call. */
  constructor(options: AutoStartStemOptions) {
    super(options);
    this.#beforeUse = options.beforeUse;
  }

  /** Starts the app's worker if needed, then enqueues (see `Stem.enqueue`). */
  override async enqueue(...args: Parameters<Stem["enqueue"]>): Promise<string> {
    await this.#beforeUse();
    return await super.enqueue(...args);
  }

  /** Starts the app's worker if needed, then enqueues the call (see `Stem.enqueueCall`). */
  override async enqueueCall(...args: Parameters<Stem["enqueueCall"]>): Promise<string> {
    await this.#beforeUse();
    return await super.enqueueCall(...args);
  }

  /** Starts the app's worker if needed, then enqueues them all (see `Stem.enqueueMany`). */
  override async enqueueMany(...args: Parameters<Stem["enqueueMany"]>): Promise<string[]> {
    await this.#beforeUse();
    return await super.enqueueMany(...args);
  }

  /** Starts the app's worker if needed, then reads the status (see `Stem.getTaskStatus`). */
  override async getTaskStatus(
    ...args: Parameters<Stem["getTaskStatus"]>
  ): Promise<TaskStatus | null> {
    await this.#beforeUse();
    return await super.getTaskStatus(...args);
  }

  /** Starts the app's worker if needed, then waits (see `Stem.waitForTask`). */
  override async waitForTask<T = unknown>(
    ...args: Parameters<Stem["waitForTask"]>
  ): Promise<TaskResult<T>> {
    await this.#beforeUse();
    return await super.waitForTask<T>(...args);
  }
}
