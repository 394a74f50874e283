import type { StemAdapter } from "../core/adapter.ts";
import { redactUrl } from "../core/adapter.ts";

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

/**
 * The adapters shipped with Stem, loaded on first use so a producer that never calls `fromUrl`
 * bundles none of them (and none of their runtime-specific drivers).
 */
const builtIn: Record<string, () => Promise<StemAdapter>> = {
  redis: async () => (await import("../../adapters/redis/mod.ts")).stemAdapter,
  rediss: async () => (await import("../../adapters/redis/mod.ts")).stemAdapter,
  https: async () => (await import("../../adapters/redis/mod.ts")).stemAdapter,
  postgres: async () => (await import("../../adapters/postgres/mod.ts")).stemAdapter,
  postgresql: async () => (await import("../../adapters/postgres/mod.ts")).stemAdapter,
  sqlite: async () => (await import("../../adapters/sqlite/mod.ts")).stemAdapter,
};

/** Finds the adapter for a URL: explicit ones first, then registered ones, then built-in ones. */
export async function resolveAdapter(
  url: string,
  explicit: StemAdapter[] = [],
): Promise<StemAdapter> {
  const scheme = urlScheme(url);
  const found = [...explicit, ...registered].find((a) => a.schemes.includes(scheme));
  if (found) return found;
  if (builtIn[scheme]) return await builtIn[scheme]();
  return await Promise.reject(
    new TypeError(
      `No Stem adapter handles "${scheme}:" URLs (${
        redactUrl(url)
      }). Import the adapter's module ` +
        `(e.g. "@stem/stem/redis") and pass it as { adapters: [stemAdapter] }, or call registerStemAdapter().`,
    ),
  );
}
