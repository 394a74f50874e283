// The Stem demo: a worker on the embedded in-memory default processing a burst of tasks —
// one that retries twice then succeeds, one that fails into the dead-letter queue, one delayed —
// with live progress and a final table. Run: `npm run demo` (Deno) or `bun examples/demo.ts`.
import { FunctionTaskHandler, StemApp, type TaskStatus } from "../mod.ts";

const app = await StemApp.inMemory({
  concurrency: 4,
  tasks: [
    new FunctionTaskHandler({
      name: "images.resize",
      entrypoint: async (ctx, args) => {
        for (const pct of [25, 50, 75, 100]) {
          await new Promise((r) => setTimeout(r, 40));
          await ctx.progress(pct);
        }
        return `${args.file} → 640px`;
      },
    }),
    new FunctionTaskHandler({
      name: "payments.capture",
      options: { maxRetries: 3, retryPolicy: { defaultDelay: 300, backoff: true, jitter: false } },
      entrypoint: (ctx) => {
        if (ctx.attempt < 2) throw new Error(`gateway timeout (attempt ${ctx.attempt})`);
        return `captured on attempt ${ctx.attempt}`;
      },
    }),
    new FunctionTaskHandler({
      name: "reports.broken",
      options: { maxRetries: 1, retryPolicy: { defaultDelay: 200, jitter: false } },
      entrypoint: () => {
        throw new Error("template not found: monthly.hbs");
      },
    }),
    new FunctionTaskHandler({
      name: "emails.reminder",
      entrypoint: (_ctx, args) => `reminded ${args.to}`,
    }),
  ],
});

const t0 = Date.now();
const stamp = () => `+${String(Date.now() - t0).padStart(5)}ms`;
app.signals.taskStarted.connect((t) =>
  console.log(`${stamp()}  ▶ ${t.name} (attempt ${t.attempt})`)
);
app.signals.taskProgress.connect((t) => console.log(`${stamp()}  … ${t.name} ${t.percent}%`));
app.signals.taskRetry.connect((t) =>
  console.log(
    `${stamp()}  ↻ ${t.name}: ${t.error.message}; retry in ${t.nextRetryAt - Date.now()}ms`,
  )
);
app.signals.taskSucceeded.connect((t) =>
  console.log(`${stamp()}  ✔ ${t.name} → ${JSON.stringify(t.result)}`)
);
app.signals.taskFailed.connect((t) =>
  console.log(`${stamp()}  ✘ ${t.name}: ${t.error.message} (dead-lettered: ${t.deadLetterReason})`)
);

await app.start();
console.log(`Stem demo — worker ${app.worker.id} on the in-memory broker\n`);
const ids: string[] = [];
for (const file of ["cat.jpg", "dog.png", "owl.webp"]) {
  ids.push(await app.stem.enqueue("images.resize", { args: { file } }));
}
ids.push(await app.stem.enqueue("payments.capture", { args: { order: 42 } }));
ids.push(await app.stem.enqueue("reports.broken", { args: { month: "2026-10" } }));
ids.push(
  await app.stem.enqueue("emails.reminder", {
    args: { to: "ops@example.com" },
    enqueueOptions: { countdown: "1.5s" },
  }),
);

const results = await Promise.all(ids.map((id) => app.stem.waitForTask(id, { timeout: "20s" })));
const dead = await app.deadLetters.listDeadLetters("default");

console.log("\nResults");
const rows = results.map((r) => row(r.status));
console.table(rows);
console.log(
  `Dead-letter queue: ${dead.entries.length} entr${dead.entries.length === 1 ? "y" : "ies"}`,
);
for (const entry of dead.entries) {
  console.log(
    `  ${entry.envelope.name} ${entry.envelope.id}: ${entry.reason} — ${entry.meta.error}`,
  );
}
await app.close();

function row(status: TaskStatus | null): Record<string, unknown> {
  if (!status) return { task: "?", state: "unknown" };
  const ts = status.timestamps;
  return {
    task: status.name,
    state: status.state,
    attempts: status.attempt + 1,
    result: status.state === "succeeded" ? status.result : status.error?.message,
    "ms to finish": ts.finishedAt ? ts.finishedAt - ts.createdAt : "",
  };
}
