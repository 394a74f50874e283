import type { AdapterConnectOptions, StemAdapter, StoreSet } from "../core/adapter.ts";
import type { TlsConfig } from "../config/tls_config.ts";
import { type ReadTextFile, tlsConnectOptions } from "../config/tls_options.ts";
import { type AdapterTable, resolveAdapter } from "./adapter_registry.ts";
import { connectStores, type ConnectStoresOptions, mergeStores } from "./store_sets.ts";
import type { StemAppOptions } from "./stem_app_base.ts";

/** Options of `StemApp.fromUrl` and `StemApp.sqlite`. */
export interface StemAppUrlOptions extends StemAppOptions {
  /** Result backend URL. @default the broker URL (one connection for the whole app) */
  backendUrl?: string;
  /** Adapters to resolve URL schemes with (besides the registered and built-in ones). */
  adapters?: StemAdapter[];
  /** Passed to the adapter's `connect` (namespace and the adapter's own typed options). */
  connect?: AdapterConnectOptions;
  /**
   * TLS for `rediss://` and Postgres (`STEM_TLS_*`): certificates as PEM text or file paths, turned
   * into `{ ca, cert, key, rejectUnauthorized }` and passed to every adapter's `connect` as `tls`.
   * A `tls` inside `connect` wins.
   */
  tls?: TlsConfig;
}

/** What the composition root supplies to {@link connectAppStores}. */
export interface AppEnvironment {
  /** The built-in adapters by URL scheme. */
  table: AdapterTable;
  /** Reads certificate files named in `tls` (absent on hosts without files). */
  readTextFile?: ReadTextFile;
}

/**
 * Resolves the adapters for the broker and backend URLs and opens their stores: one set on one
 * connection when the URLs are equal, else the broker side of one merged with the result side of
 * the other.
 */
export async function connectAppStores(
  url: string,
  options: StemAppUrlOptions,
  environment: AppEnvironment,
): Promise<StoreSet> {
  const backendUrl = options.backendUrl ?? url;
  const connectOptions = await connectOptionsOf(options, environment.readTextFile);
  const resolve = { adapters: options.adapters, table: environment.table };
  const brokerSet = await connectStores(await resolveAdapter(url, resolve), url, connectOptions);
  if (backendUrl === url) return brokerSet;
  try {
    const adapter = await resolveAdapter(backendUrl, resolve);
    return mergeStores(brokerSet, await connectStores(adapter, backendUrl, connectOptions));
  } catch (error) {
    await brokerSet.close();
    throw error;
  }
}

/** The adapter options of an app: its `connect` settings plus the app's clock, logger and TLS. */
export async function connectOptionsOf(
  options: StemAppUrlOptions,
  readTextFile?: ReadTextFile,
): Promise<ConnectStoresOptions> {
  const result: ConnectStoresOptions = { ...options.connect };
  if (options.clock) result.clock = options.clock;
  if (options.logger) result.logger = options.logger;
  if (options.tls && result.tls === undefined) {
    result.tls = await tlsConnectOptions(options.tls, readTextFile);
  }
  return result;
}
