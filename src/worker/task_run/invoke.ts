import type { Envelope } from "../../core/envelope.ts";
import type { AnyTaskHandler } from "../../core/task_handler.ts";
import { IsolationUnavailableError } from "../../isolate/isolate_errors.ts";
import type { IsolateJobHost } from "../../isolate/isolate_connection.ts";
import { toWireJson } from "../../isolate/wire.ts";
import type { MiddlewareChain } from "../middleware.ts";
import type { WorkerTaskContext } from "../worker_task_context.ts";
import type { RunnerDeps } from "./deps.ts";
import { callWithLimits, type LimitedCall, type LimitOptions } from "./limits.ts";
import type { RunOptions } from "./run_options.ts";

/** One handler call as `TaskRun` asks for it. */
export interface Invocation {
  /** The delivery's envelope. */
  envelope: Envelope;
  /** The worker's handler (for an isolated task: its options; the isolate runs its own copy). */
  handler: AnyTaskHandler;
  /** The task context. */
  ctx: WorkerTaskContext;
  /** Decoded args. */
  args: unknown;
  /** Resolved options: `isolation` picks the path. */
  options: RunOptions;
  /** `onExecute` middleware around the call. */
  chain: MiddlewareChain;
  /** What the isolate's context calls reach (the run itself). */
  host: IsolateJobHost;
}

/**
 * Calls the handler under its limits: inline, or in an isolate of the worker's pool. An isolated
 * call waits for an isolate before its limits start; a hard limit (or a revocation) aborts the
 * isolate's `ctx.signal`, kills it after the pool's grace, and `settled` waits until it is gone.
 */
export function invokeHandler(
  call: Invocation,
  deps: RunnerDeps,
  limits: LimitOptions,
): LimitedCall<unknown> {
  const { ctx, chain } = call;
  const within = (run: () => Promise<unknown>) =>
    chain.executes ? () => chain.execute(ctx, run) : run;
  if (call.options.isolation === "inline") {
    return callWithLimits(
      chain.executes
        ? within(async () => await call.handler.call(ctx, call.args))
        : () => Promise.resolve(call.handler.call(ctx, call.args)),
      limits,
    );
  }
  const pool = deps.isolates;
  if (!pool) {
    const result = Promise.reject(new IsolationUnavailableError(call.envelope.name));
    return { result, settled: result.then(() => {}, () => {}) };
  }
  const signal = limits.controller().signal;
  const started = pool.acquire(signal).then((slot) => {
    const job = () => ({
      envelope: call.envelope,
      args: toWireJson(call.args, call.envelope.name, "args"),
    });
    const limited = callWithLimits(within(() => slot.run(job(), call.host, signal)), limits);
    return { result: limited.result, settled: limited.settled.then(() => slot.release()) };
  });
  const result = started.then((limited) => limited.result);
  return { result, settled: started.then((limited) => limited.settled, () => {}) };
}
