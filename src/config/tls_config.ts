import { ConfigError } from "./config_error.ts";
import type { EnvReader } from "./env_source.ts";

/**
 * TLS settings for `rediss://` and Postgres connections. Certificates are file paths or PEM text;
 * the runtime adapter reads files (edge hosts have none, so pass PEM there).
 */
export interface TlsConfig {
  /** CA bundle to trust (`STEM_TLS_CA_CERT`). */
  caCert?: string;
  /** Client certificate for mutual TLS (`STEM_TLS_CLIENT_CERT`). */
  clientCert?: string;
  /** Client private key for mutual TLS (`STEM_TLS_CLIENT_KEY`). */
  clientKey?: string;
  /** Skip server certificate checks; for local testing only (`STEM_TLS_ALLOW_INSECURE`). @default false */
  allowInsecure: boolean;
}

/** Reads `STEM_TLS_*`; `undefined` when none is set. */
export function tlsFromEnv(env: EnvReader): TlsConfig | undefined {
  const caCert = env.string("STEM_TLS_CA_CERT");
  const clientCert = env.string("STEM_TLS_CLIENT_CERT");
  const clientKey = env.string("STEM_TLS_CLIENT_KEY");
  const allowInsecure = env.boolean("STEM_TLS_ALLOW_INSECURE", false);
  if (clientCert !== undefined && clientKey === undefined) {
    throw new ConfigError("STEM_TLS_CLIENT_KEY", "is required when STEM_TLS_CLIENT_CERT is set.");
  }
  if (clientKey !== undefined && clientCert === undefined) {
    throw new ConfigError("STEM_TLS_CLIENT_CERT", "is required when STEM_TLS_CLIENT_KEY is set.");
  }
  if (!caCert && !clientCert && !allowInsecure) return undefined;
  const tls: TlsConfig = { allowInsecure };
  if (caCert) tls.caCert = caCert;
  if (clientCert) tls.clientCert = clientCert;
  if (clientKey) tls.clientKey = clientKey;
  return tls;
}
