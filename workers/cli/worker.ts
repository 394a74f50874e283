/**
 * `stem worker <tasks-module>`: runs a worker process. Flags win over `STEM_*` variables;
 * signing, encryption and TLS settings come only from the environment.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { StemConfig } from "../../src/config/stem_config.ts";
import { overlayEnv, readVariable } from "../runtime/env.ts";
import { readTextFile } from "../runtime/files.ts";
import { integerFlag, listFlag, type OptionValues, stringFlag, UsageError } from "./args.ts";
import type { WorkerProcessOptions } from "../worker_process.ts";
import type { Command } from "./command.ts";
import { addUrlSecret, durationFlag, STORE_OPTIONS } from "./store_flags.ts";

import { workerControlCommands } from "./worker_control.ts";

/** `stem worker`. */
export const workerCommand: Command = {
  name: "worker",
  summary: 'Run a worker for the task handlers a module exports as "tasks" (and its workflows).',
  positionals: { names: ["tasks-module"] },
  details: `Environment (flags win): STEM_BROKER_URL, STEM_RESULT_BACKEND_URL, STEM_WORKER_QUEUES,
STEM_DEFAULT_QUEUE, STEM_PREFETCH_MULTIPLIER, STEM_SIGNING_*, STEM_ENCRYPTION_*, STEM_TLS_*,
STEM_LOG_LEVEL (debug|info|warn|error, default warn), STEM_LOG_FORMAT (text|json).
Broker URLs: redis://, rediss://, https:// (Upstash REST), http:// (stem redis-http),
postgres://, sqlite:<path>, memory://. SIGTERM/SIGINT finish in-flight tasks; a second
signal exits at once. Workflows: when the tasks module (or --workflows MODULE) exports
"flows", "scripts" or "workflows", the worker also executes their runs (queue "workflow").

Remote control of running workers: stem worker ping | inspect | stats | revoke | pause |
resume | shutdown | status (each has --help).`,
  subcommands: workerControlCommands,
  options: {
    broker: STORE_OPTIONS.broker,
    backend: STORE_OPTIONS.backend,
    queue: {
      type: "string",
      multiple: true,
      valueName: "NAME",
      description: "A queue to consume; repeat it or use commas.",
    },
    queues: {
      type: "string",
      valueName: "A,B",
      description:
        "Queues to consume (default $STEM_WORKER_QUEUES, else the default queue and the tasks' queues).",
    },
    concurrency: {
      type: "string",
      valueName: "N",
      description: "Tasks run at once (default 10).",
    },
    prefetch: {
      type: "string",
      valueName: "N",
      description: "Deliveries leased ahead (default concurrency × $STEM_PREFETCH_MULTIPLIER, 2).",
    },
    autoscale: {
      type: "string",
      valueName: "MIN,MAX",
      description:
        "Concurrency that follows the backlog between MIN and MAX (instead of --concurrency).",
    },
    isolates: {
      type: "string",
      valueName: "N",
      description:
        'Isolates for tasks marked isolation: "worker" (Web Workers on Bun, subprocesses on Deno).',
    },
    "max-tasks-per-isolate": {
      type: "string",
      valueName: "N",
      description: "Recycle an isolate after N tasks (default: never).",
    },
    "max-isolate-memory": {
      type: "string",
      valueName: "MB",
      description: "Recycle an isolate whose memory passed MB after a task (default: no limit).",
    },
    workflows: {
      type: "string",
      valueName: "MODULE",
      description: 'A module exporting workflows as "flows", "scripts" or "workflows".',
    },
    "shutdown-timeout": {
      type: "string",
      valueName: "DURATION",
      description: 'How long SIGTERM waits for running tasks (default "30s").',
    },
  },
  async run({ values, positionals }, { io, env, secrets }) {
    const [tasksModule] = positionals;
    const concurrency = integerFlag(values, "concurrency", 1) ?? 10;
    const prefetchFlag = integerFlag(values, "prefetch", 1);
    const queues = listFlag(values, "queue", "queues");
    const shutdownTimeout = durationFlag(values, "shutdown-timeout") ?? 30_000;
    const autoscale = autoscaleFlag(values);
    const isolate = isolateFlags(values);
    if (!existsSync(tasksModule)) {
      throw new UsageError(`Cannot find the tasks module "${tasksModule}"`);
    }
    const workflowsModule = stringFlag(values, "workflows");
    if (workflowsModule !== undefined && !existsSync(workflowsModule)) {
      throw new UsageError(`Cannot find the workflows module "${workflowsModule}"`);
    }
    const config = StemConfig.fromEnvironment(overlayEnv(env, {
      STEM_BROKER_URL: stringFlag(values, "broker") ?? readVariable(env, "STEM_BROKER_URL") ??
        "memory://",
      STEM_RESULT_BACKEND_URL: stringFlag(values, "backend"),
    }));
    for (const url of [config.brokerUrl, config.resultBackendUrl]) addUrlSecret(secrets, url);
    const app = config.toAppOptions();
    const { runWorkerProcess } = await import("../worker_process.ts");
    await runWorkerProcess({
      tasksModule,
      workflowsModule,
      brokerUrl: config.brokerUrl,
      backendUrl: app.backendUrl,
      queues: queues ?? app.queues,
      defaultQueue: app.defaultQueue,
      concurrency,
      prefetch: prefetchFlag ?? (autoscale?.max ?? concurrency) * app.prefetchMultiplier,
      autoscale,
      isolate,
      connect: await config.connectOptions({ readTextFile }),
      signer: app.signer,
      encoders: app.encoders,
      shutdownTimeout,
      logger: config.logger("warn"),
      routing: await config.routingConfig({ readTextFile }),
    }, io);
  },
};

function autoscaleFlag(values: OptionValues): { min: number; max: number } | undefined {
  const text = stringFlag(values, "autoscale");
  if (text === undefined) return undefined;
  const [min, max, ...rest] = text.split(",").map((part) => Number(part.trim()));
  if (rest.length || !Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min) {
    throw new UsageError(`--autoscale must be MIN,MAX with 1 <= MIN <= MAX, not "${text}"`);
  }
  return { min, max };
}

function isolateFlags(values: OptionValues): WorkerProcessOptions["isolate"] {
  const size = integerFlag(values, "isolates", 1);
  const maxTasksPerIsolate = integerFlag(values, "max-tasks-per-isolate", 1);
  const maxIsolateMemory = integerFlag(values, "max-isolate-memory", 1);
  if (size === undefined && (maxTasksPerIsolate ?? maxIsolateMemory) !== undefined) {
    throw new UsageError("--max-tasks-per-isolate and --max-isolate-memory need --isolates N");
  }
  return size === undefined ? undefined : { size, maxTasksPerIsolate, maxIsolateMemory };
}
