// The interface each queue system implements for bench/postgres.ts.

/** Called by a worker's handler with the job's enqueue time (epoch ms). */
export type OnJob = (enqueuedAt: number) => void;

/** One queue system under test. */
export interface BenchSystem {
  /** Label in the JSON. */
  name: string;
  /** Connects and creates schema/queues. */
  setup(): Promise<void>;
  /** Removes every job of the bench queue. */
  reset(): Promise<void>;
  /** Enqueues one job (the benchmark keeps 100 of these in flight). */
  enqueueOne(enqueuedAt: number): Promise<void>;
  /** Enqueues `count` jobs in one call. */
  enqueueBatch(count: number): Promise<void>;
  /** Starts a worker with `concurrency`; returns its stop function. */
  startWorker(concurrency: number, onJob: OnJob): Promise<() => Promise<void>>;
  /** Disconnects. */
  close(): Promise<void>;
}
