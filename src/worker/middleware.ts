import type { Delivery } from "../broker/broker.ts";
import { compose, type Hook, hooksOf, type TaskMiddleware } from "../core/middleware.ts";
import type { TaskContext } from "../core/task_context.ts";
import type { TaskOutcome } from "../core/task_outcome.ts";

export { composeEnqueue, type TaskMiddleware } from "../core/middleware.ts";
export type { TaskOutcome } from "../core/task_outcome.ts";

/** The worker-side hooks of a middleware list, split by point once per worker. */
export class MiddlewareChain {
  /** The empty chain: every call goes straight to `last`. */
  static readonly empty: MiddlewareChain = new MiddlewareChain([]);
  readonly #consume: Hook<Delivery, void>[];
  /** Per consume hook, the delivery filter it declared (undefined: every delivery). */
  readonly #consumeFilters: (((delivery: Delivery) => boolean) | undefined)[];
  readonly #filtered: boolean;
  readonly #execute: Hook<TaskContext, unknown>[];
  readonly #outcome: Hook<TaskOutcome, void>[];

  /** Splits `middleware` by hook. */
  constructor(middleware: readonly TaskMiddleware[]) {
    this.#consume = hooksOf(middleware, "onConsume");
    this.#consumeFilters = middleware.filter((m) => m.onConsume).map((m) =>
      m.consumesDelivery ? (delivery: Delivery) => m.consumesDelivery!(delivery) : undefined
    );
    this.#filtered = this.#consumeFilters.some((f) => f !== undefined);
    this.#execute = hooksOf(middleware, "onExecute");
    this.#outcome = hooksOf(middleware, "onOutcome");
  }

  /** True when some middleware has an `onConsume` hook (else the runner skips the chain). */
  get consumes(): boolean {
    return this.#consume.length > 0;
  }

  /** True when some middleware has an `onExecute` hook. */
  get executes(): boolean {
    return this.#execute.length > 0;
  }

  /** True when some middleware has an `onOutcome` hook. */
  get outcomes(): boolean {
    return this.#outcome.length > 0;
  }

  /** True when some `onConsume` hook applies to `delivery` (its `consumesDelivery` says so). */
  consumesFor(delivery: Delivery): boolean {
    if (!this.#filtered) return this.#consume.length > 0;
    return this.#consumeFilters.some((f) => f === undefined || f(delivery));
  }

  /** Runs the `onConsume` hooks that apply to `delivery` around `last`. */
  consume(delivery: Delivery, last: () => Promise<void>): Promise<void> {
    const hooks = this.#filtered
      ? this.#consume.filter((_, i) => this.#consumeFilters[i]?.(delivery) ?? true)
      : this.#consume;
    return hooks.length === 0 ? last() : compose(hooks, last)(delivery);
  }

  /** Runs the `onExecute` hooks around the handler call. */
  execute(ctx: TaskContext, last: () => Promise<unknown>): Promise<unknown> {
    return this.#execute.length === 0 ? last() : compose(this.#execute, last)(ctx);
  }

  /** Runs the `onOutcome` hooks around recording the outcome. */
  outcome(outcome: TaskOutcome, last: (outcome: TaskOutcome) => Promise<void>): Promise<void> {
    return this.#outcome.length === 0 ? last(outcome) : compose(this.#outcome, last)(outcome);
  }
}
