import type { AnyTaskHandler } from "./task_handler.ts";

/** Looks task handlers up by name. */
export interface TaskRegistry {
  /** Adds a handler; throws `RangeError` when the name is taken. */
  register(handler: AnyTaskHandler): void;
  /** Finds a handler by name. */
  get(name: string): AnyTaskHandler | undefined;
  /** Every registered handler. */
  list(): AnyTaskHandler[];
}

/**
 * The default registry: a map by name that refuses duplicates.
 *
 * @example
 * ```ts
 * import { SimpleTaskRegistry } from "./task_registry.ts";
 * import { FunctionTaskHandler } from "./task_handler.ts";
 * const registry = new SimpleTaskRegistry();
 * registry.register(new FunctionTaskHandler({ name: "a", entrypoint: () => 1 }));
 * registry.get("a")?.name; // "a"
 * ```
 */
export class SimpleTaskRegistry implements TaskRegistry {
  readonly #handlers = new Map<string, AnyTaskHandler>();

  /** Creates a registry, optionally pre-filled. */
  constructor(handlers: AnyTaskHandler[] = []) {
    for (const handler of handlers) this.register(handler);
  }

  /** Adds a handler; a second handler with the same name throws. */
  register(handler: AnyTaskHandler): void {
    if (!handler.name) throw new TypeError("A task handler needs a non-empty name.");
    if (this.#handlers.has(handler.name)) {
      throw new RangeError(
        `A task named "${handler.name}" is already registered. Task names must be unique.`,
      );
    }
    this.#handlers.set(handler.name, handler);
  }

  /** Finds a handler. */
  get(name: string): AnyTaskHandler | undefined {
    return this.#handlers.get(name);
  }

  /** Every handler, in registration order. */
  list(): AnyTaskHandler[] {
    return [...this.#handlers.values()];
  }
}
