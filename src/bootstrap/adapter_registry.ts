import type { StemAdapter } from "../core/adapter.ts";
import { redactUrl } from "../core/adapter.ts";

/** Loads an adapter on first use, so code that never connects by URL bundles none of it. */
export type AdapterLoader = () => Promise<StemAdapter>;

/** Adapters by URL scheme (without the colon); the composition root (`app.ts`) supplies one. */
export type AdapterTable = Readonly<Record<string, AdapterLoader>>;

const registered: StemAdapter[] = [];

/** Makes an adapter available to `StemApp.fromUrl` for its URL schemes. */
export function registerStemAdapter(adapter: StemAdapter): void {
  registered.unshift(adapter);
}

/** The scheme of a connection URL, without the colon. */
export function urlScheme(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  if (!match) {
    throw new TypeError(
      `Invalid connection URL "${
        redactUrl(url)
      }": expected a scheme such as redis://, postgres:// or sqlite:.`,
    );
  }
  return match[1].toLowerCase();
}

/** Where {@link resolveAdapter} looks, besides the adapters registered globally. */
export interface ResolveAdapterOptions {
  /** Adapters passed by the caller; they win over every other source. */
  adapters?: StemAdapter[];
  /** The fallback table (the built-in adapters of `app.ts`). @default {} */
  table?: AdapterTable;
}

/** Finds the adapter for a URL: explicit ones first, then registered ones, then the table. */
export async function resolveAdapter(
  url: string,
  options: ResolveAdapterOptions = {},
): Promise<StemAdapter> {
  const scheme = urlScheme(url);
  const explicit = options.adapters ?? [];
  const found = [...explicit, ...registered].find((a) => a.schemes.includes(scheme));
  if (found) return found;
  const load = options.table && Object.hasOwn(options.table, scheme)
    ? options.table[scheme]
    : undefined;
  if (load) return await load();
  return await Promise.reject(
    new TypeError(
      `No Stem adapter handles "${scheme}:" URLs (${
        redactUrl(url)
      }). Import the adapter's module ` +
        `(e.g. "@stem/stem/redis") and pass it as { adapters: [stemAdapter] }, or call registerStemAdapter().`,
    ),
  );
}
