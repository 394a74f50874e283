/**
 * The composition root: `StemApp`, the preset of `src/bootstrap/`'s `StemAppBase` with Stem's
 * built-in adapters (as hono's `hono.ts` presets `hono-base.ts`). `src/` never imports an adapter;
 * this file does, and loads every adapter with npm dependencies (Redis, Postgres, SQLite) through
 * a dynamic `import()`, so a program that imports `@stem/stem` has none of them in its static
 * graph until it connects to that URL scheme.
 *
 * @example
 * ```ts
 * import { StemApp } from "./app.ts";
 * import { FunctionTaskHandler } from "./src/core/task_handler.ts";
 * const app = await StemApp.inMemory({
 *   tasks: [new FunctionTaskHandler({ name: "hello.print", entrypoint: (_ctx, args) => `Hello ${args.name}` })],
 * });
 * const id = await app.stem.enqueue("hello.print", { args: { name: "Stem" } }); // starts the worker
 * const result = await app.stem.waitForTask<string>(id, { timeout: "5s" });
 * console.log(result.value); // "Hello Stem"
 * await app.close();
 * ```
 *
 * @module
 */
import {
  InMemoryBroker,
  InMemoryResultBackend,
  stemAdapter as memoryAdapter,
} from "./adapters/memory/mod.ts";
import type { AdapterTable } from "./src/bootstrap/adapter_registry.ts";
import { connectAppStores, type StemAppUrlOptions } from "./src/bootstrap/connect_app.ts";
import { StemAppBase, type StemAppOptions } from "./src/bootstrap/stem_app_base.ts";
import { type StemAppParts, storesFromParts } from "./src/bootstrap/store_sets.ts";
import { type EnvSource, setDefaultEnvSource } from "./src/config/env_source.ts";
import { StemConfig } from "./src/config/stem_config.ts";
import type { StoreSet } from "./src/core/adapter.ts";
import { runtimeEnv } from "./workers/runtime/env.ts";

/**
 * The adapters shipped with Stem by URL scheme, each loaded on first use: `memory:` is built in
 * statically (it has no dependencies); the others pull npm packages and runtime drivers.
 */
export const builtInAdapters: AdapterTable = {
  redis: async () => (await import("./adapters/redis/mod.ts")).stemAdapter,
  rediss: async () => (await import("./adapters/redis/mod.ts")).stemAdapter,
  https: async () => (await import("./adapters/redis/mod.ts")).stemAdapter,
  http: async () => (await import("./adapters/redis/mod.ts")).stemAdapter,
  postgres: async () => (await import("./adapters/postgres/mod.ts")).stemAdapter,
  postgresql: async () => (await import("./adapters/postgres/mod.ts")).stemAdapter,
  sqlite: async () => (await import("./adapters/sqlite/mod.ts")).stemAdapter,
  memory: () => Promise.resolve(memoryAdapter),
};

/** Options of {@link StemApp.fromEnvironment}. */
export interface StemAppEnvOptions extends StemAppUrlOptions {
  /** Where `STEM_*` variables come from. @default the process environment (Deno.env / process.env) */
  env?: EnvSource;
}

/**
 * A producer, a worker and their stores, built in one call. The worker starts on the first
 * enqueue, status read or wait (`autoStart: false` opts out; `start()` starts it explicitly).
 *
 * @example
 * ```ts
 * import { FunctionTaskHandler, StemApp } from "./mod.ts";
 * const app = await StemApp.inMemory({
 *   tasks: [new FunctionTaskHandler({ name: "hello.print", entrypoint: (_ctx, args) => `Hello ${args.name}` })],
 * });
 * const id = await app.stem.enqueue("hello.print", { args: { name: "Stem" } });
 * const result = await app.stem.waitForTask<string>(id, { timeout: "5s" });
 * await app.close();
 * ```
 */
export class StemApp extends StemAppBase {
  /** Wires an app over a store set; an `isolate` pool without a runner gets the runtime's. */
  constructor(stores: StoreSet | StemAppParts, options: StemAppOptions = {}) {
    super(stores, withIsolateRunner(options));
  }

  /** An app on the in-memory broker and backend: no servers, nothing persisted. */
  static async inMemory(options: StemAppOptions = {}): Promise<StemApp> {
    const { clock, logger } = options;
    const stores: StoreSet = memoryAdapter.connect
      ? await memoryAdapter.connect("memory://", { clock, logger })
      : storesFromParts({
        broker: new InMemoryBroker({ clock }),
        backend: new InMemoryResultBackend({ clock }),
      });
    return new StemApp(stores, options);
  }

  /**
   * An app whose stores come from URLs: `memory://`, `redis://`, `rediss://`, `https://` (Upstash
   * REST), `postgres://`, `sqlite:<path>`. One URL means one connection for every store.
   */
  static async fromUrl(url: string, options: StemAppUrlOptions = {}): Promise<StemApp> {
    const backendUrl = options.backendUrl ?? url;
    if (isMemory(url) && isMemory(backendUrl) && !options.adapters?.length) {
      return await StemApp.inMemory(options);
    }
    const environment = { table: builtInAdapters, readTextFile };
    return new StemApp(await connectAppStores(url, options, environment), options);
  }

  /** An app on a SQLite file: durable, no server, shared safely by worker processes on one machine. */
  static sqlite(path: string, options: StemAppUrlOptions = {}): Promise<StemApp> {
    return StemApp.fromUrl(`sqlite:${path}`, options);
  }

  /**
   * An app configured by `STEM_*` variables (`StemConfig.fromEnvironment()`): broker and backend
   * URLs, worker queues, default queue, prefetch multiplier, TLS, signing and encryption keys.
   * Explicit options win over the environment.
   */
  static async fromEnvironment(options: StemAppEnvOptions = {}): Promise<StemApp> {
    const { env, ...rest } = options;
    const config = StemConfig.fromEnvironment(env);
    const routing = await config.routingConfig({ readTextFile });
    return await StemApp.fromUrl(config.brokerUrl, {
      ...config.toAppOptions(),
      ...(routing ? { routing } : {}),
      tls: config.tls,
      ...withoutUndefined(rest),
    });
  }
}

function withIsolateRunner(options: StemAppOptions): StemAppOptions {
  const isolate = options.isolate;
  if (!isolate || isolate.runner) return options;
  const runner = async () => (await import("./workers/isolate/mod.ts")).defaultIsolatedRunner();
  return { ...options, isolate: { ...isolate, runner } };
}

function isMemory(url: string): boolean {
  return url.startsWith("memory:");
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Reads certificate files named by `STEM_TLS_*`; loads `node:fs` only when one is named. */
async function readTextFile(path: string): Promise<string> {
  return await (await import("./workers/runtime/files.ts")).readTextFile(path);
}

// Lets StemConfig.fromEnvironment() work without an argument wherever @stem/stem is imported.
setDefaultEnvSource(runtimeEnv);
