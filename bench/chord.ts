// Chord benchmark: a 1,000-member chord (no-op bodies, concurrency 50) on memory and on a SQLite
// file; time from the first body task's start to the callback's start, and the submit time.
// Run: `deno task bench:chord` (both runtimes, medians) or `deno run -A bench/chord.ts`.
import process from "node:process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AnyTaskHandler, FunctionTaskHandler, signature, StemApp } from "../mod.ts";

const MEMBERS = Number(process.env.BENCH_CHORD_MEMBERS ?? 1_000);

async function measure(open: (tasks: AnyTaskHandler[]) => Promise<StemApp>) {
  let firstBody = 0;
  let callbackAt = 0;
  let done!: () => void;
  const called = new Promise<void>((resolve) => (done = resolve));
  const app = await open([
    new FunctionTaskHandler({
      name: "bench.body",
      entrypoint: (_ctx, args: { n: number }) => {
        if (firstBody === 0) firstBody = performance.now();
        return args.n;
      },
    }),
    new FunctionTaskHandler({
      name: "bench.callback",
      entrypoint: (ctx) => {
        callbackAt = performance.now();
        done();
        return (ctx.previousResult as number[]).length;
      },
    }),
  ]);
  const body = Array.from({ length: MEMBERS }, (_, n) => signature("bench.body", { n }));
  const t0 = performance.now();
  await app.canvas.chord(body, signature("bench.callback"));
  const submitMs = performance.now() - t0;
  await app.start();
  await called;
  await app.close();
  return {
    submitMs: Math.round(submitMs),
    firstBodyToCallbackMs: Math.round(callbackAt - firstBody),
  };
}

const dir = mkdtempSync(join(tmpdir(), "stem-bench-chord-"));
try {
  const options = { autoStart: false, concurrency: 50 };
  const memory = await measure((tasks) => StemApp.inMemory({ ...options, tasks }));
  const sqlite = await measure((tasks) =>
    StemApp.sqlite(join(dir, "chord.db"), { ...options, tasks })
  );
  console.log(JSON.stringify({ members: MEMBERS, memory, sqlite }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
