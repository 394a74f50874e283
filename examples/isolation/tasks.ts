// The tasks of the isolation example. Loaded twice: by main.ts (the worker reads their options)
// and by every isolate (which runs their code). Run: `deno run -A examples/isolation/main.ts`
// or `bun examples/isolation/main.ts`.
import { TaskDefinition } from "../../mod.ts";

/** Hashes a buffer many times: CPU-bound, so it runs in an isolate, off the worker's event loop. */
export const digest = TaskDefinition.json<{ rounds: number }, string>({ name: "example.digest" });

/** Never returns: only a kill stops it, which its hard time limit does. */
export const runaway = TaskDefinition.json<Record<string, never>, never>({
  name: "example.runaway",
});

/** The handlers, exported as `tasks` for the isolates (and for `stem worker`). */
export const tasks = [
  digest.handler(async (ctx, { rounds }) => {
    let data: Uint8Array<ArrayBuffer> = new TextEncoder().encode(ctx.id);
    for (let i = 0; i < rounds; i++) {
      data = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
      if (i % 100 === 0) await ctx.progress(Math.round((i / rounds) * 100));
    }
    return [...data].map((b) => b.toString(16).padStart(2, "0")).join("");
  }, { isolation: "worker" }),
  runaway.handler(() => {
    while (true) { /* a bug: a loop that never yields */ }
  }, { isolation: "worker", hardTimeLimit: "500ms", maxRetries: 0 }),
];
