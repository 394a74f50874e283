// Isolated tasks end to end: a CPU-bound task in an isolate, and a runaway loop killed at its
// hard time limit while the worker keeps serving. Run: `deno run -A examples/isolation/main.ts`.
import { StemApp } from "../../mod.ts";
import { digest, runaway, tasks } from "./tasks.ts";

const app = await StemApp.inMemory({
  tasks,
  isolate: {
    tasks: new URL("./tasks.ts", import.meta.url),
    size: 2,
    maxTasksPerIsolate: 100,
  },
});

const stuck = await runaway.enqueueAndWait(app, {}, { timeout: "10s" });
console.log("runaway:", stuck.status?.state, stuck.status?.error?.message);

const hashed = await digest.enqueueAndWait(app, { rounds: 1_000 }, { timeout: "10s" });
console.log("digest:", hashed.value);
console.log("isolates:", app.worker.isolates);
await app.close();
