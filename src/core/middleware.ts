import type { Delivery } from "../broker/broker.ts";
import type { Envelope } from "./envelope.ts";
import type { TaskContext } from "./task_context.ts";
import type { TaskOutcome } from "./task_outcome.ts";

/**
 * Wraps every task at four points, composed in the order given (the first middleware is the
 * outermost). Each hook calls `next` to go on; not calling it short-circuits:
 * - `onEnqueue` (producer, every envelope it publishes: `enqueue`, `enqueueMany`, `enqueueCall`,
 *   children and link follow-ups): may replace the envelope via `next(envelope)`; return an id
 *   without calling `next` to skip the publish (unique tasks); throwing rejects the enqueue with
 *   nothing published.
 * - `onConsume` (worker): not calling `next` drops the delivery as `cancelled` (acked, never run);
 *   throwing rejects it: terminal `failed` status and a dead letter with the error's `code`.
 * - `onExecute` (worker): wraps the handler call; its return value is the task's result.
 * - `onOutcome` (worker): sees every outcome before it is recorded; `next(outcome)` may replace it.
 *
 * @example
 * ```ts
 * import type { TaskMiddleware } from "./middleware.ts";
 * const timing: TaskMiddleware = {
 *   async onExecute(ctx, next) {
 *     const started = performance.now();
 *     try {
 *       return await next();
 *     } finally {
 *       console.log(ctx.name, performance.now() - started);
 *     }
 *   },
 * };
 * ```
 */
export interface TaskMiddleware {
  /** Around one publish; resolves with the task id. */
  onEnqueue?(envelope: Envelope, next: (envelope: Envelope) => Promise<string>): Promise<string>;
  /** Around everything the worker does with one delivery. */
  onConsume?(delivery: Delivery, next: () => Promise<void>): Promise<void>;
  /**
   * Whether `onConsume` applies to this delivery (absent: to every one). A middleware for a few
   * tasks says so here, so every other task keeps the worker's path without a hook chain.
   */
  consumesDelivery?(delivery: Delivery): boolean;
  /** Around the handler call (inside the time limits). */
  onExecute?(ctx: TaskContext, next: () => Promise<unknown>): Promise<unknown>;
  /** Around recording an outcome (status write and settle). */
  onOutcome?(outcome: TaskOutcome, next: (outcome?: TaskOutcome) => Promise<void>): Promise<void>;
}

/** One middleware hook: gets the value and `next`, resolves with the result. */
export type Hook<A, R> = (arg: A, next: (arg?: A) => Promise<R>) => Promise<R>;

/** Composes `hooks` around `last` (the first hook is the outermost). */
export function compose<A, R>(
  hooks: Hook<A, R>[],
  last: (arg: A) => Promise<R>,
): (arg: A) => Promise<R> {
  if (hooks.length === 0) return last;
  const step = (i: number, arg: A): Promise<R> => {
    if (i === hooks.length) return last(arg);
    let called = false;
    const next = (replacement?: A): Promise<R> => {
      if (called) return Promise.reject(new TypeError("A middleware called next() twice."));
      called = true;
      return step(i + 1, replacement === undefined ? arg : replacement);
    };
    try {
      return Promise.resolve(hooks[i](arg, next));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  return (arg) => step(0, arg);
}

/** The `key` hooks of a middleware list, bound to their middleware. */
export function hooksOf<K extends keyof TaskMiddleware, A, R>(
  middleware: readonly TaskMiddleware[],
  key: K,
): Hook<A, R>[] {
  const hooks: Hook<A, R>[] = [];
  for (const m of middleware) {
    const fn = m[key] as unknown as Hook<A, R> | undefined;
    if (fn) hooks.push((arg, next) => fn.call(m, arg, next));
  }
  return hooks;
}

/**
 * Runs the producer's `onEnqueue` hooks around `publish` (the producer's sign → publish →
 * queued-status path) and resolves with the task id.
 */
export function composeEnqueue(
  middleware: readonly TaskMiddleware[],
  envelope: Envelope,
  publish: (envelope: Envelope) => Promise<string>,
): Promise<string> {
  return compose(hooksOf<"onEnqueue", Envelope, string>(middleware, "onEnqueue"), publish)(
    envelope,
  );
}
