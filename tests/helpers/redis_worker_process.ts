// Spawns a test worker script under Deno or Bun and waits for it to print "ready".
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";

/** A spawned worker process. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Everything printed on stderr so far. */
  stderr(): string;
  /** Everything printed on stdout so far. */
  stdout(): string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
}

const spawned = new Set<ChildProcess>();

/** Kills every worker this helper started that is still running (call from an `after` hook). */
export function killStrayWorkers(): void {
  for (const child of spawned) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  spawned.clear();
}

/** The runtime running this test file. */
export function currentRuntime(): "deno" | "bun" {
  return (globalThis as { Bun?: unknown }).Bun ? "bun" : "deno";
}

/** Starts `script` under `runtime` with `env` added; resolves once it prints "ready". */
export function spawnWorker(
  runtime: "deno" | "bun",
  script: string,
  env: Record<string, string>,
): Promise<WorkerProcess> {
  const cmd = runtime === "deno" ? "node_modules/.bin/deno" : "node_modules/.bin/bun";
  const args = runtime === "deno" ? ["run", "-A", "--no-check", script] : [script];
  const child = spawn(cmd, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  spawned.add(child);
  let err = "";
  let out = "";
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? -1))
  );
  const worker: WorkerProcess = { child, stderr: () => err, stdout: () => out, exited };
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("ready")) resolve(worker);
    });
    exited.then((code) => reject(new Error(`worker exited (${code}) before ready: ${err}`)));
  });
}
