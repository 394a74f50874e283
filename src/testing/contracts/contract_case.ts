import { ContractAssertionError } from "../assert.ts";
import type { TestApi } from "../contract_harness.ts";
import { FakeClock } from "../fake_clock.ts";

/**
 * One conformance test of a port, written once and registered for every adapter. `skip`
 * returns the reason (naming the capability flag) when the store under test cannot run it.
 */
export interface ContractCase<Context, Caps = unknown> {
  /** Test title; reads like a spec. */
  name: string;
  /** Why the case cannot run against a store with these capabilities, or false. */
  skip?: (capabilities: Caps) => string | false;
  /** The test body. */
  run: (t: Context) => Promise<void>;
}

/** How a suite opens and closes what one case needs. */
export interface SuiteRunner<Context, Caps> {
  /** Shown in the `describe` title: `"<port> contract: <adapter>"`. */
  title: string;
  /** The test framework. */
  api: TestApi;
  /** Capabilities of the store under test, known before tests are registered. */
  capabilities: Caps;
  /** Opens a fresh context for one case. */
  open: () => Promise<Context>;
  /** Closes it (runs even when the case failed). */
  close: (t: Context) => Promise<void>;
}

/** Registers every case under one `describe`, each with its own fresh context. */
export function registerCases<Context, Caps>(
  runner: SuiteRunner<Context, Caps>,
  cases: readonly ContractCase<Context, Caps>[],
): void {
  runner.api.describe(runner.title, () => {
    for (const c of cases) {
      const skip = c.skip?.(runner.capabilities) ?? false;
      runner.api.test(c.name, { skip }, async () => {
        const t = await runner.open();
        try {
          await c.run(t);
        } finally {
          await runner.close(t);
        }
      });
    }
  });
}

/** Registers one skipped placeholder so a missing store shows up in the report with its reason. */
export function registerSkipped(api: TestApi, title: string, reason: string): void {
  api.describe(title, () => {
    api.test("every case", { skip: reason }, () => {});
  });
}

/** Time in a suite: a fake clock the store runs on, or real time against a server. */
export interface SuiteTime {
  /** The fake clock the stores were opened with; null when they run on real time. */
  readonly fake: FakeClock | null;
  /** Multiplier for real-time waits, for adapters whose timing is coarse. */
  readonly scale: number;
}

/**
 * Waits until `probe` satisfies `predicate` once `ms` of the store's time has passed: ticks the
 * fake clock past `ms`, or re-probes on real time (server-side expiry announces nothing).
 */
export async function afterTime<T>(
  time: SuiteTime,
  ms: number,
  probe: () => Promise<T>,
  predicate: (value: T) => boolean,
): Promise<T> {
  if (time.fake) {
    await time.fake.tick(ms + 1);
    return await probe();
  }
  const deadline = Date.now() + Math.max(5_000, ms * 10) * time.scale;
  let value = await probe();
  while (!predicate(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await probe();
  }
  return value;
}

/** Lets `ms` of the store's time pass: ticks the fake clock, or waits on real time. */
export async function letTimePass(time: SuiteTime, ms: number): Promise<void> {
  if (time.fake) return await time.fake.tick(ms);
  const until = Date.now() + ms;
  while (Date.now() < until) await new Promise((r) => setTimeout(r, until - Date.now()));
}

/** The store's notion of now for test data: the fake clock's time, or the wall clock. */
export function timeNow(time: SuiteTime): number {
  return time.fake ? time.fake.now() : Date.now();
}

/** What a single-store suite's `create` returns. */
export interface CreatedStore<Store> {
  /** The store under test, fresh for one case. */
  store: Store;
  /** Closes it. */
  dispose: () => Promise<void>;
  /** A second instance on the same storage (another process, as far as the store knows). */
  peer?: () => Promise<{ store: Store; dispose: () => Promise<void> }>;
}

/** Options every single-store suite takes. */
export interface StoreSuiteOptions<Store, Caps> {
  /** Adapter name shown in test titles. */
  name: string;
  /** The test framework. */
  api: TestApi;
  /** Makes a fresh store for one case, on `time.fake` when given. */
  create: (time: SuiteTime) => Promise<CreatedStore<Store>>;
  /** The capabilities of the stores `create` makes. */
  capabilities: Caps;
  /** Give the stores a fake clock (true when `create` honours one). @default false */
  fakeClock?: boolean;
  /** Multiplies real-time waits. @default 1 */
  timeScale?: number;
}

/** The context of a single-store case. */
export interface StoreTestContext<Store> {
  /** The store under test. */
  store: Store;
  /** How time passes for it. */
  time: SuiteTime;
  /** Opens a second instance on the same storage (closed after the case); null when none. */
  peer: (() => Promise<Store>) | null;
}

/** Registers `cases` for a single-store port. */
export function runStoreSuite<Store, Caps>(
  port: string,
  options: StoreSuiteOptions<Store, Caps>,
  cases: readonly ContractCase<StoreTestContext<Store>, Caps>[],
): void {
  const cleanups = new WeakMap<StoreTestContext<Store>, (() => Promise<void>)[]>();
  registerCases({
    title: `${port} contract: ${options.name}`,
    api: options.api,
    capabilities: options.capabilities,
    open: async () => {
      const time: SuiteTime = {
        fake: options.fakeClock ? new FakeClock() : null,
        scale: options.timeScale ?? 1,
      };
      const created = await options.create(time);
      const list = [created.dispose];
      const open = created.peer;
      const t: StoreTestContext<Store> = {
        store: created.store,
        time,
        peer: open
          ? async () => {
            const p = await open();
            list.push(p.dispose);
            return p.store;
          }
          : null,
      };
      cleanups.set(t, list);
      return t;
    },
    close: async (t) => {
      for (const dispose of (cleanups.get(t) ?? []).reverse()) await dispose();
    },
  }, cases);
}

/** Resolves with `promise`, or fails naming `what` after `ms` (a case never hangs unbounded). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ContractAssertionError(`${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
