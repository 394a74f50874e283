import { queueNameProblem } from "../core/queue_name.ts";
import { globMatcher } from "./glob.ts";
import { RoutingConfigError } from "./routing_error.ts";

/** A queue's settings in a {@link RoutingSpec}. */
export interface QueueSpec {
  /** Priorities the queue takes: anything outside is clamped into `[min, max]` (0–9). */
  priorityRange?: [number, number] | { min: number; max: number };
  /** Other names that mean this queue. */
  aliases?: string[];
}

/** One routing rule: when every condition matches, the task goes to the target. */
export interface RouteSpec {
  /** Task name or glob (`emails.*`), or several (any may match). @default every task */
  task?: string | string[];
  /** Headers that must all be present with exactly these values. */
  headers?: Record<string, string>;
  /** Target queue (an alias is resolved). Give this or `broadcast`. */
  queue?: string;
  /** Target broadcast channel (declared in `broadcasts`): every subscribed worker runs it once. */
  broadcast?: string;
  /** Priority of the tasks this route sends (a priority given at the call wins). */
  priority?: number;
}

/** A routing configuration as plain data (what a JSON file or `STEM_ROUTING` holds). */
export interface RoutingSpec {
  /** Queue of tasks that neither the call, a route nor the task's options place. @default "default" */
  defaultQueue?: string;
  /** Declared queues: priority ranges and aliases. Undeclared queues still work (created on use). */
  queues?: Record<string, QueueSpec>;
  /** Alias → queue, besides each queue's `aliases`. */
  aliases?: Record<string, string>;
  /** Rules in order; the first that matches wins. */
  routes?: RouteSpec[];
  /** Broadcast channels: a task sent to one runs once on every worker subscribed to it. */
  broadcasts?: string[];
}

/** What a route (or router) is asked to place. */
export interface RouteRequest {
  /** Task name. */
  task: string;
  /** The envelope's headers. */
  headers: Readonly<Record<string, string>>;
}

/** Where a router sends a task; `undefined` leaves it to the routes. */
export interface RouteTarget {
  /** Target queue. */
  queue?: string;
  /** Target broadcast channel (must be declared). */
  broadcast?: string;
  /** Priority override. */
  priority?: number;
}

/** A routing function, asked before the routes; returning nothing falls through to them. */
export type Router = (request: RouteRequest) => RouteTarget | undefined | null;

/** Options of {@link RoutingConfig}: the plain spec plus a router function. */
export interface RoutingOptions extends RoutingSpec {
  /** Asked first for tasks whose queue the call did not name. */
  router?: Router;
}

/** What the producer asks for one envelope. */
export interface RouteQuery extends RouteRequest {
  /** The queue named at the call (`enqueueOptions.queue`): routes do not override it. */
  explicitQueue?: string;
  /** The priority given at the call: route priorities do not override it. */
  explicitPriority?: number;
  /** The queue the task's own options (or the producer's default) chose. */
  fallbackQueue: string;
  /** The priority the task's options chose. */
  priority: number;
}

/** Where an envelope goes. */
export interface RouteDecision {
  /** The queue (alias resolved), or the broadcast channel's name when `broadcast` is set. */
  queue: string;
  /** The priority, clamped into the queue's range. */
  priority: number;
  /** Set when the target is a broadcast channel. */
  broadcast?: string;
}

interface CompiledRoute {
  index: number;
  matchTask: ((name: string) => boolean) | undefined;
  taskPatterns: string[];
  headers: [string, string][];
  queue?: string;
  broadcast?: string;
  priority?: number;
}

const SPEC_KEYS = new Set(["defaultQueue", "queues", "aliases", "routes", "broadcasts", "router"]);
const ROUTE_KEYS = new Set(["task", "headers", "queue", "broadcast", "priority"]);
const QUEUE_KEYS = new Set(["priorityRange", "aliases"]);

/**
 * Where tasks go: a default queue, routes by task name (exact or glob) and headers, queue aliases,
 * priority ranges per queue, broadcast channels and an optional router function. Validated when
 * built (a `RoutingConfigError` names the bad field). The producer applies it to every envelope
 * before `onEnqueue` middleware; precedence is call site > router > first matching route > the
 * task's own options > `defaultQueue`, and the chosen queue's alias and priority range always
 * apply.
 *
 * @example
 * ```ts
 * import { RoutingConfig } from "./routing_config.ts";
 * const routing = new RoutingConfig({
 *   defaultQueue: "default",
 *   queues: { emails: { priorityRange: [0, 5], aliases: ["mail"] } },
 *   routes: [
 *     { task: "emails.*", queue: "mail" },
 *     { headers: { tenant: "acme" }, queue: "acme", priority: 7 },
 *   ],
 * });
 * routing.resolve({ task: "emails.send", headers: {}, fallbackQueue: "default", priority: 9 });
 * // { queue: "emails", priority: 5 }
 * ```
 */
export class RoutingConfig {
  /** Queue of tasks nothing else places. */
  readonly defaultQueue: string;
  /** Declared broadcast channels. */
  readonly broadcasts: readonly string[];
  readonly #ranges = new Map<string, [number, number]>();
  readonly #aliases = new Map<string, string>();
  readonly #routes: CompiledRoute[] = [];
  readonly #router: Router | undefined;
  readonly #channels: Set<string>;

  /** Validates and compiles `options`; throws {@link RoutingConfigError} naming the first bad field. */
  constructor(options: RoutingOptions = {}) {
    checkObject(options, "(root)");
    checkKeys(options, SPEC_KEYS, "");
    this.#channels = new Set(stringList(options.broadcasts, "broadcasts"));
    this.broadcasts = [...this.#channels];
    for (const [name, spec] of Object.entries(checkObject(options.queues ?? {}, "queues"))) {
      const field = `queues.${name}`;
      checkQueue(name, field);
      if (this.#channels.has(name)) {
        throw new RoutingConfigError(field, "is also a broadcast channel");
      }
      checkObject(spec, field);
      checkKeys(spec, QUEUE_KEYS, `${field}.`);
      if (spec.priorityRange !== undefined) {
        this.#ranges.set(name, priorityRange(spec.priorityRange, `${field}.priorityRange`));
      }
      for (const [i, alias] of stringList(spec.aliases, `${field}.aliases`).entries()) {
        this.#addAlias(alias, name, `${field}.aliases[${i}]`, options.queues);
      }
    }
    for (const [alias, target] of Object.entries(checkObject(options.aliases ?? {}, "aliases"))) {
      const field = `aliases.${alias}`;
      if (typeof target !== "string") throw new RoutingConfigError(field, "must be a queue name");
      checkQueue(target, field);
      this.#addAlias(alias, target, field, options.queues);
    }
    for (const [alias, target] of this.#aliases) {
      if (this.#aliases.has(target)) {
        throw new RoutingConfigError(`aliases.${alias}`, `points at "${target}", itself an alias`);
      }
    }
    if (!Array.isArray(options.routes ?? [])) {
      throw new RoutingConfigError("routes", "must be an array of routes");
    }
    for (const [index, route] of (options.routes ?? []).entries()) {
      this.#routes.push(this.#compileRoute(route, index));
    }
    if (options.router !== undefined && typeof options.router !== "function") {
      throw new RoutingConfigError("router", "must be a function");
    }
    this.#router = options.router;
    const fallback = options.defaultQueue ?? "default";
    checkQueue(fallback, "defaultQueue");
    this.defaultQueue = this.queueOf(fallback);
    if (this.#channels.has(this.defaultQueue)) {
      throw new RoutingConfigError("defaultQueue", "names a broadcast channel, not a queue");
    }
  }

  /**
   * Parses a JSON text (or an already parsed object) into a config. Keys may be camelCase or
   * snake_case (`default_queue`, `priority_range`).
   */
  static fromJson(source: string | unknown): RoutingConfig {
    let value = source;
    if (typeof source === "string") {
      try {
        value = JSON.parse(source);
      } catch (error) {
        throw new RoutingConfigError("(root)", `is not valid JSON: ${(error as Error).message}`);
      }
    }
    return new RoutingConfig(camelKeys(value) as RoutingOptions);
  }

  /** The queue a name means: its alias target, or itself. */
  queueOf(name: string): string {
    return this.#aliases.get(name) ?? name;
  }

  /** True when `name` (after aliases) is a declared broadcast channel. */
  isBroadcast(name: string): boolean {
    return this.#channels.has(this.queueOf(name));
  }

  /** The priority range of a queue, when declared. */
  priorityRangeOf(queue: string): readonly [number, number] | undefined {
    return this.#ranges.get(this.queueOf(queue));
  }

  /** Places one envelope: queue (or broadcast channel) and priority. */
  resolve(query: RouteQuery): RouteDecision {
    let target: RouteTarget | undefined;
    if (query.explicitQueue === undefined) {
      target = this.#ask(query) ?? this.#match(query);
    }
    const named = query.explicitQueue ?? target?.broadcast ?? target?.queue ?? query.fallbackQueue;
    const queue = this.queueOf(named);
    const priority = query.explicitPriority ?? target?.priority ?? query.priority;
    if (this.#channels.has(queue)) return { queue, priority, broadcast: queue };
    const range = this.#ranges.get(queue);
    return { queue, priority: range ? Math.min(range[1], Math.max(range[0], priority)) : priority };
  }

  /**
   * The queues a worker with these tasks consumes: the default queue, each task's own queue and
   * every route target a route could send one of them to (aliases resolved, channels left out;
   * a router function's targets cannot be known, so name them in the worker's `queues`).
   */
  workerQueues(taskNames: readonly string[], taskQueues: readonly string[] = []): string[] {
    const out = new Set([this.defaultQueue]);
    for (const q of taskQueues) if (!this.isBroadcast(q)) out.add(this.queueOf(q));
    for (const route of this.#routes) {
      if (route.queue === undefined) continue;
      if (!route.matchTask || taskNames.some(route.matchTask)) out.add(route.queue);
    }
    return [...out];
  }

  #ask(query: RouteQuery): RouteTarget | undefined {
    if (!this.#router) return undefined;
    const target = this.#router({ task: query.task, headers: query.headers }) ?? undefined;
    if (target === undefined) return undefined;
    if (target.broadcast !== undefined && !this.#channels.has(target.broadcast)) {
      throw new RoutingConfigError(
        "router",
        `returned broadcast channel "${target.broadcast}", which is not in broadcasts`,
      );
    }
    if (target.queue !== undefined) checkQueue(target.queue, "router (returned queue)");
    if (target.priority !== undefined) checkPriority(target.priority, "router (returned priority)");
    return target;
  }

  #match(query: RouteQuery): RouteTarget | undefined {
    for (const route of this.#routes) {
      if (route.matchTask && !route.matchTask(query.task)) continue;
      if (!route.headers.every(([k, v]) => query.headers[k] === v)) continue;
      return route;
    }
    return undefined;
  }

  #addAlias(alias: string, target: string, field: string, queues: RoutingSpec["queues"]): void {
    checkQueue(alias, field);
    if (queues && Object.hasOwn(queues, alias)) {
      throw new RoutingConfigError(field, `"${alias}" is already a queue name`);
    }
    if (this.#channels.has(alias)) {
      throw new RoutingConfigError(field, `"${alias}" is already a broadcast channel`);
    }
    const existing = this.#aliases.get(alias);
    if (existing !== undefined && existing !== target) {
      throw new RoutingConfigError(field, `"${alias}" already means "${existing}"`);
    }
    this.#aliases.set(alias, target);
  }

  #compileRoute(route: RouteSpec, index: number): CompiledRoute {
    const field = `routes[${index}]`;
    checkObject(route, field);
    checkKeys(route, ROUTE_KEYS, `${field}.`);
    const patterns = route.task === undefined
      ? []
      : typeof route.task === "string"
      ? [route.task]
      : route.task;
    if (!Array.isArray(patterns) || patterns.some((p) => typeof p !== "string" || p === "")) {
      throw new RoutingConfigError(
        `${field}.task`,
        "must be a task name or glob, or a list of them",
      );
    }
    const matchers = patterns.map(globMatcher);
    const headers = Object.entries(checkObject(route.headers ?? {}, `${field}.headers`));
    for (const [k, v] of headers) {
      if (typeof v !== "string") {
        throw new RoutingConfigError(`${field}.headers.${k}`, "must be a string to compare with");
      }
    }
    if ((route.queue === undefined) === (route.broadcast === undefined)) {
      throw new RoutingConfigError(field, "needs exactly one target: queue or broadcast");
    }
    const compiled: CompiledRoute = {
      index,
      matchTask: matchers.length ? (name) => matchers.some((m) => m(name)) : undefined,
      taskPatterns: patterns,
      headers: headers as [string, string][],
    };
    if (route.queue !== undefined) {
      checkQueue(route.queue, `${field}.queue`);
      const queue = this.queueOf(route.queue);
      if (this.#channels.has(queue)) compiled.broadcast = queue;
      else compiled.queue = queue;
    } else {
      if (typeof route.broadcast !== "string" || !this.#channels.has(route.broadcast)) {
        throw new RoutingConfigError(
          `${field}.broadcast`,
          `names ${JSON.stringify(route.broadcast)}, which is not in broadcasts`,
        );
      }
      compiled.broadcast = route.broadcast;
    }
    if (route.priority !== undefined) {
      compiled.priority = checkPriority(route.priority, `${field}.priority`);
    }
    return compiled;
  }
}

function checkObject<T>(value: T, field: string): T {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RoutingConfigError(field, "must be an object");
  }
  return value;
}

function checkKeys(value: object, allowed: Set<string>, prefix: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) {
      throw new RoutingConfigError(
        `${prefix}${key}`,
        `is not a known setting (expected one of: ${[...allowed].join(", ")})`,
      );
    }
  }
}

function checkQueue(name: unknown, field: string): string {
  const problem = queueNameProblem(name);
  if (problem !== undefined) {
    throw new RoutingConfigError(field, `is not a valid queue name (${problem})`);
  }
  return name as string;
}

function checkPriority(value: unknown, field: string): number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 9) {
    throw new RoutingConfigError(
      field,
      `must be an integer from 0 to 9, got ${JSON.stringify(value)}`,
    );
  }
  return value as number;
}

function priorityRange(value: unknown, field: string): [number, number] {
  const pair = Array.isArray(value)
    ? value
    : typeof value === "object" && value !== null
    ? [(value as { min?: unknown }).min, (value as { max?: unknown }).max]
    : [];
  if (pair.length !== 2) throw new RoutingConfigError(field, "must be [min, max] or { min, max }");
  const [min, max] = [
    checkPriority(pair[0], `${field}.min`),
    checkPriority(pair[1], `${field}.max`),
  ];
  if (min > max) throw new RoutingConfigError(field, `has min ${min} above max ${max}`);
  return [min, max];
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new RoutingConfigError(field, "must be a list of names");
  const seen = new Set<string>();
  for (const [i, name] of value.entries()) {
    checkQueue(name, `${field}[${i}]`);
    if (seen.has(name)) throw new RoutingConfigError(`${field}[${i}]`, `repeats "${name}"`);
    seen.add(name);
  }
  return value;
}

/** snake_case keys to camelCase, except the keys of maps keyed by name (queues, aliases, headers). */
function camelKeys(value: unknown, parentKey = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => camelKeys(v, parentKey));
  if (typeof value !== "object" || value === null) return value;
  const names = parentKey === "queues" || parentKey === "aliases" || parentKey === "headers";
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      const key = names ? k : k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      return [key, camelKeys(v, names ? "" : key)];
    }),
  );
}
