// Tasks of bench/isolate.ts, loaded by the bench's app and by each isolate.
import { FunctionTaskHandler } from "../src/core/task_handler.ts";

/** A CPU-bound hash (FNV-1a over a counter), `rounds` times: pure JS, holds its thread. */
export function hashRounds(rounds: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < rounds; i++) {
    h ^= i & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The bench's tasks. */
export const tasks = [
  new FunctionTaskHandler({
    name: "bench.hash",
    options: { isolation: "worker" },
    entrypoint: (_ctx, args: { rounds: number }) => hashRounds(args.rounds),
  }),
  new FunctionTaskHandler({
    name: "bench.noop",
    options: { isolation: "worker" },
    entrypoint: () => null,
  }),
  new FunctionTaskHandler({ name: "bench.noopInline", entrypoint: () => null }),
];
