// Runs a Stem worker as an OS process: loads task handlers from a module, connects by URL, and
// shuts down gracefully on SIGTERM/SIGINT (a second signal forces it).
import process from "node:process";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import {
  AesGcmPayloadEncoder,
  type AnyTaskHandler,
  PayloadSigner,
  type StemAdapter,
  StemApp,
  StemConfig,
  type TaskPayloadEncoder,
  toMillis,
} from "../mod.ts";

/** Options of {@link runWorkerProcess}. */
export interface WorkerProcessOptions {
  /** Path of a module exporting `tasks: TaskHandler[]` (and optionally `adapters`). */
  tasksModule: string;
  /** Broker URL. @default $STEM_BROKER_URL or "memory://" */
  brokerUrl?: string;
  /** Backend URL. @default $STEM_RESULT_BACKEND_URL or the broker URL */
  backendUrl?: string;
  /** Queues. @default $STEM_WORKER_QUEUES or the tasks' queues */
  queues?: string[];
  /** Concurrency. @default 10 */
  concurrency?: number;
  /** Graceful shutdown deadline. @default "30s" */
  shutdownTimeout?: string;
}

/** Starts a worker process and resolves when it has shut down. */
export async function runWorkerProcess(options: WorkerProcessOptions): Promise<void> {
  const mod = await import(pathToFileURL(resolve(options.tasksModule)).href) as {
    tasks?: AnyTaskHandler[];
    adapters?: StemAdapter[];
  };
  if (!Array.isArray(mod.tasks)) {
    throw new TypeError(`${options.tasksModule} must export "tasks": an array of task handlers.`);
  }
  // Flags win over STEM_* variables; signing and encryption keys come only from the environment.
  const config = StemConfig.fromEnvironment({
    ...process.env,
    STEM_BROKER_URL: options.brokerUrl ?? process.env.STEM_BROKER_URL ?? "memory://",
    ...(options.backendUrl ? { STEM_RESULT_BACKEND_URL: options.backendUrl } : {}),
  });
  const encryption = AesGcmPayloadEncoder.maybe(config.encryption);
  const encoders: TaskPayloadEncoder[] = encryption ? [encryption] : [];
  const app = await StemApp.fromUrl(config.brokerUrl, {
    tasks: mod.tasks,
    adapters: mod.adapters,
    backendUrl: config.resultBackendUrl,
    queues: options.queues ?? config.workerQueues,
    concurrency: options.concurrency,
    signer: PayloadSigner.maybe(config.signing),
    encoders,
  });
  let stopping = false;
  let announce!: () => void;
  const stopped = new Promise<void>((done) => {
    const stop = (signal: string) => {
      if (stopping) {
        console.log(`[stem] ${signal} again: exiting now`);
        process.exit(130);
      }
      stopping = true;
      console.log(`[stem] ${signal}: finishing in-flight tasks…`);
      app.close({ timeout: toMillis(options.shutdownTimeout ?? "30s") }).then(done, (error) => {
        console.error("[stem] shutdown failed:", error);
        done();
      });
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
    announce = () =>
      console.log(`[stem] worker ${app.worker.id} consuming ${app.worker.queues.join(", ")}`);
  });
  await app.start();
  announce();
  await stopped;
  console.log(`[stem] worker ${app.worker.id} stopped`);
}
