// HTTP transport (Upstash REST protocol, through the REST bridge): commands per job and per idle
// minute per worker, counted by the client as Upstash would bill them. Prints one JSON line.
// Env: BENCH_REDIS_URL, BENCH_HTTP_TASKS (default 2000), BENCH_IDLE_SECONDS (default 10).
import process from "node:process";
import { RedisResultBackend, RedisStreamsBroker } from "../../adapters/redis/mod.ts";
import { FunctionTaskHandler } from "../../src/core/task_handler.ts";
import { SimpleTaskRegistry } from "../../src/core/task_registry.ts";
import { Stem } from "../../src/producer/stem.ts";
import { createSignals } from "../../src/signals/stem_signals.ts";
import { Worker } from "../../src/worker/worker.ts";
import { runRedisHttpBridge } from "../../workers/redis_http.ts";

const url = process.env.BENCH_REDIS_URL!;
const TASKS = Number(process.env.BENCH_HTTP_TASKS ?? 2_000);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const token = "bench";
const bridge = await runRedisHttpBridge({ port: 0, redisUrl: url, token });
const namespace = `http${Date.now().toString(36)}`;
const options = { token, namespace };
const producerBroker = await RedisStreamsBroker.connect(bridge.url, options);
const broker = await RedisStreamsBroker.connect(bridge.url, options);
const backend = await RedisResultBackend.connect(bridge.url, options);
const registry = new SimpleTaskRegistry([
  new FunctionTaskHandler({ name: "noop", entrypoint: () => null }),
]);
const producer = new Stem({ broker: producerBroker, registry });

const signals = createSignals();
let done = 0;
let finish!: () => void;
const all = new Promise<void>((r) => (finish = r));
signals.taskSucceeded.connect(() => ++done === TASKS && finish());
const worker = new Worker({ broker, backend, registry, concurrency: 50, signals });

const enqueue0 = producerBroker.transport.commandCount;
const t0 = performance.now();
for (let i = 0; i < TASKS; i++) await producer.enqueue("noop", { args: { i } });
const enqueueSeconds = (performance.now() - t0) / 1000;
const enqueueCommands = producerBroker.transport.commandCount - enqueue0;

const workerCommands = () => broker.transport.commandCount + backend.transport.commandCount;
const process0 = workerCommands();
const t1 = performance.now();
await worker.start();
await all;
const processSeconds = (performance.now() - t1) / 1000;
const processCommands = workerCommands() - process0;

// Let the poll back-off reach its ceiling, then count a steady idle window.
await new Promise((r) => setTimeout(r, 3_000));
const idle0 = workerCommands();
await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
const idleCommands = workerCommands() - idle0;

await worker.shutdown({ timeout: 5_000 });
await Promise.all([producerBroker.close(), broker.close(), backend.close()]);
await bridge.close();
console.log(JSON.stringify({
  system: "stem-http",
  tasks: TASKS,
  enqueuePerSec: TASKS / enqueueSeconds,
  enqueueCommandsPerJob: enqueueCommands / TASKS,
  processPerSec: TASKS / processSeconds,
  workerCommandsPerJob: processCommands / TASKS,
  idleCommandsPerMinute: (idleCommands / IDLE_SECONDS) * 60,
}));
process.exit(0);
