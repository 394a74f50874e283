import { ConfigError } from "./config_error.ts";
import type { TlsConfig } from "./tls_config.ts";

/**
 * TLS settings in the Node-style shape every adapter's connect options take as `tls`
 * (node-redis for `rediss://`, postgres.js `ssl`): PEM text, never file paths.
 */
export interface TlsConnectOptions {
  /** CA certificate(s) to trust, PEM. */
  ca?: string;
  /** Client certificate for mutual TLS, PEM. */
  cert?: string;
  /** Client private key for mutual TLS, PEM. */
  key?: string;
  /** Verify the server certificate (`false` only with `STEM_TLS_ALLOW_INSECURE`). */
  rejectUnauthorized: boolean;
}

/** Reads a certificate file; entry points pass one (edge hosts have no files: pass PEM there). */
export type ReadTextFile = (path: string) => Promise<string>;

const PEM = /-----BEGIN [A-Z0-9 ]+-----/;

async function pem(
  variable: string,
  value: string | undefined,
  readTextFile: ReadTextFile | undefined,
): Promise<string | undefined> {
  if (value === undefined || PEM.test(value)) return value;
  if (!readTextFile) {
    throw new ConfigError(
      variable,
      `names a file ("${value}"), but this runtime cannot read files: set it to the PEM text.`,
    );
  }
  let text: string;
  try {
    text = await readTextFile(value);
  } catch (error) {
    throw new ConfigError(variable, `names "${value}", which cannot be read: ${error}`);
  }
  if (!PEM.test(text)) throw new ConfigError(variable, `names "${value}", which holds no PEM.`);
  return text;
}

/** Turns `STEM_TLS_*` settings (paths or PEM) into adapter TLS options (PEM). */
export async function tlsConnectOptions(
  tls: TlsConfig,
  readTextFile?: ReadTextFile,
): Promise<TlsConnectOptions> {
  const options: TlsConnectOptions = { rejectUnauthorized: !tls.allowInsecure };
  const ca = await pem("STEM_TLS_CA_CERT", tls.caCert, readTextFile);
  const cert = await pem("STEM_TLS_CLIENT_CERT", tls.clientCert, readTextFile);
  const key = await pem("STEM_TLS_CLIENT_KEY", tls.clientKey, readTextFile);
  if (ca) options.ca = ca;
  if (cert) options.cert = cert;
  if (key) options.key = key;
  return options;
}
