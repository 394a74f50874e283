// Runs the `stem` CLI (workers/cli/main.ts) as a subprocess of the current runtime.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import process from "node:process";
import { scriptCommand } from "./runtime.ts";

const MAIN = "workers/cli/main.ts";

/** The result of a CLI run that exited. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `stem <args>` to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): CliResult {
  const [cmd, base] = scriptCommand(MAIN);
  const r = spawnSync(cmd, [...base, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A long-running CLI process (`stem worker`, `stem redis-http`). */
export interface CliProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  /** stdout so far. */
  stdout(): string;
  /** stderr so far. */
  stderr(): string;
  /** Resolves with the first output line matching `pattern`; rejects if the process exits first. */
  line(pattern: RegExp): Promise<string>;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
  /** SIGKILLs the process by pid if it still runs. */
  kill(): void;
}

/** Starts `stem <args>` with `env` added to the environment. */
export function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const [cmd, base] = scriptCommand(MAIN);
  const child = spawn(cmd, [...base, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const streams = { out: "", err: "" };
  const waiters = new Set<() => void>();
  const onData = (which: "out" | "err") => (chunk: Buffer) => {
    text += chunk.toString();
    streams[which] += chunk.toString();
    for (const wake of [...waiters]) wake();
  };
  child.stdout!.on("data", onData("out"));
  child.stderr!.on("data", onData("err"));
  const exited = new Promise<number | string>((resolve) =>
    child.once("close", (code, signal) => resolve(code ?? signal ?? -1))
  );
  const line = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = text.split("\n").find((l) => pattern.test(l));
        if (found === undefined) return;
        waiters.delete(check);
        resolve(found);
      };
      waiters.add(check);
      check();
      exited.then((code) => {
        if (!waiters.has(check)) return;
        waiters.delete(check);
        reject(new Error(`stem exited (${code}) before printing ${pattern}:\n${text}`));
      });
    });
  return {
    child,
    output: () => text,
    stdout: () => streams.out,
    stderr: () => streams.err,
    line,
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        process.kill(child.pid, "SIGKILL");
      }
    },
  };
}

/**
 * Runs `stem <args>` to completion without blocking the event loop, so an in-process worker of
 * the test can answer what the CLI sends (remote control).
 */
export function runCliAsync(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const p = startCli(args, env);
  const timer = setTimeout(() => p.kill(), 60_000);
  return p.exited.then((code) => {
    clearTimeout(timer);
    return {
      status: typeof code === "number" ? code : null,
      stdout: p.stdout(),
      stderr: p.stderr(),
    };
  });
}
