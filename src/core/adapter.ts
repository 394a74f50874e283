import type { ResultBackend } from "../backend/result_backend.ts";
import type { Broker } from "./broker.ts";

/** Options passed from `StemApp.fromUrl` to an adapter. */
export interface AdapterConnectOptions {
  /** Key prefix / schema namespace. @default "stem" */
  namespace?: string;
  /** Adapter-specific settings (TLS, tokens, pool sizes...). */
  [key: string]: unknown;
}

/** What an adapter module exports as `stemAdapter` so `StemApp.fromUrl` can build it by URL scheme. */
export interface StemAdapter {
  /** URL schemes handled, without the colon: `["redis", "rediss"]`. */
  schemes: string[];
  /** Connects a broker for `url`. */
  createBroker(url: string, options?: AdapterConnectOptions): Promise<Broker>;
  /** Connects a result backend for `url`. */
  createBackend(url: string, options?: AdapterConnectOptions): Promise<ResultBackend>;
}

/** Removes the password from a connection string so it can appear in messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    for (const key of ["password", "token"]) {
      if (parsed.searchParams.has(key)) parsed.searchParams.set(key, "***");
    }
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");
  }
}
