import { type AdapterConnectOptions, redactUrl } from "../core/adapter.ts";
import {
  AesGcmPayloadEncoder,
  type EncryptionConfig,
} from "../producer/encoders/aes_gcm_encoder.ts";
import type { TaskPayloadEncoder } from "../producer/payload_encoder.ts";
import { PayloadSigner } from "../security/payload_signer.ts";
import type { SigningConfig } from "../security/signing_config.ts";
import { RoutingConfig } from "../routing/routing_config.ts";
import { ConfigError } from "./config_error.ts";
import { encryptionFromEnv } from "./encryption_env.ts";
import { defaultEnvSource, EnvReader, type EnvSource } from "./env_source.ts";
import { signingFromEnv } from "./signing_env.ts";
import { type TlsConfig, tlsFromEnv } from "./tls_config.ts";
import { type ReadTextFile, type TlsConnectOptions, tlsConnectOptions } from "./tls_options.ts";
import {
  consoleLogger,
  LOG_LEVELS,
  type LogFormat,
  type Logger,
  type LogLevel,
} from "../observability/logger.ts";

function oneOf<T extends string>(
  reader: EnvReader,
  name: string,
  choices: readonly T[],
): T | undefined {
  const value = reader.string(name)?.toLowerCase();
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    throw new ConfigError(name, `is "${value}"; use one of ${choices.join(", ")}.`);
  }
  return value as T;
}

/** The settings a {@link StemConfig} holds. */
export interface StemConfigInit {
  /** Broker URL (`STEM_BROKER_URL`): `redis://`, `rediss://`, `https://` (Upstash REST), `postgres://`, `memory://`. */
  brokerUrl: string;
  /** Result backend URL (`STEM_RESULT_BACKEND_URL`). @default the broker URL */
  resultBackendUrl?: string;
  /** Queue for tasks that name none (`STEM_DEFAULT_QUEUE`). @default "default" */
  defaultQueue?: string;
  /** Prefetch per unit of concurrency (`STEM_PREFETCH_MULTIPLIER`). @default 2 */
  prefetchMultiplier?: number;
  /** Queues a worker consumes (`STEM_WORKER_QUEUES`, comma-separated). */
  workerQueues?: string[];
  /** Envelope signing (`STEM_SIGNING_*`); `undefined` when off. */
  signing?: SigningConfig;
  /** AES-GCM payload keys (`STEM_ENCRYPTION_*`); `undefined` when off. */
  encryption?: EncryptionConfig;
  /** TLS for broker/backend connections (`STEM_TLS_*`). */
  tls?: TlsConfig;
  /** Lowest level processes log (`STEM_LOG_LEVEL`: debug, info, warn, error). */
  logLevel?: LogLevel;
  /** How processes write log lines (`STEM_LOG_FORMAT`: text or json). */
  logFormat?: LogFormat;
  /** `STEM_ROUTING`: a routing config as JSON text, or the path of a JSON file holding one. */
  routing?: string;
}

/**
 * What a {@link StemConfig} contributes to `Stem`, `Worker` and `StemApp`: spread it into their
 * options (`StemApp.fromUrl(config.brokerUrl, { ...config.toAppOptions(), tasks })`).
 */
export interface StemConfigAppOptions {
  /** Queue for tasks that name none (`Stem`, `StemApp`). */
  defaultQueue: string;
  /** Prefetch per unit of concurrency (`Worker`, `StemApp`); prefetch = concurrency × this. */
  prefetchMultiplier: number;
  /** Queues a worker consumes, when `STEM_WORKER_QUEUES` names them. */
  queues?: string[];
  /** Result backend URL (`StemApp.fromUrl`). */
  backendUrl: string;
  /** Signs on enqueue and verifies in the worker, when `STEM_SIGNING_*` is set. */
  signer?: PayloadSigner;
  /** The AES-GCM payload encoder, when `STEM_ENCRYPTION_*` is set. */
  encoders: TaskPayloadEncoder[];
}

/** What a {@link StemConfig} contributes to every adapter's connect options. */
export interface StemConfigConnectOptions extends AdapterConnectOptions {
  /** TLS for `rediss://` and Postgres connections, when `STEM_TLS_*` is set. */
  tls?: TlsConnectOptions;
}

function urlFrom(env: EnvReader, name: string): string | undefined {
  const value = env.string(name);
  if (value === undefined) return undefined;
  try {
    new URL(value);
  } catch {
    throw new ConfigError(name, `is not a URL; expected something like "redis://host:6379".`);
  }
  return value;
}

/**
 * Stem's settings, usually read from `STEM_*` environment variables. Pass the environment
 * explicitly, so it works where there is no global one (Cloudflare Workers bindings).
 *
 * @example
 * ```ts
 * import { StemConfig } from "./stem_config.ts";
 * const config = StemConfig.fromEnvironment({
 *   STEM_BROKER_URL: "redis://localhost:6379",
 *   STEM_WORKER_QUEUES: "default,emails",
 * });
 * config.workerQueues; // ["default", "emails"]
 * // Deno: StemConfig.fromEnvironment(Deno.env); Bun/Node: StemConfig.fromEnvironment(process.env)
 * ```
 */
export class StemConfig {
  /** Broker URL. */
  readonly brokerUrl: string;
  /** Result backend URL (the broker URL when not set). */
  readonly resultBackendUrl: string;
  /** Default queue. */
  readonly defaultQueue: string;
  /** Prefetch multiplier. */
  readonly prefetchMultiplier: number;
  /** Worker queues, when configured. */
  readonly workerQueues: string[] | undefined;
  /** Signing settings; pass to `PayloadSigner.maybe()`. */
  readonly signing: SigningConfig | undefined;
  /** AES-GCM keys; pass to `AesGcmPayloadEncoder.maybe()`. */
  readonly encryption: EncryptionConfig | undefined;
  /** TLS settings. */
  readonly tls: TlsConfig | undefined;
  /** `STEM_LOG_LEVEL`, when set. */
  readonly logLevel: LogLevel | undefined;
  /** `STEM_LOG_FORMAT`, when set. */
  readonly logFormat: LogFormat | undefined;
  /** `STEM_ROUTING` as given (JSON text or a file path), when set; see {@link StemConfig.routingConfig}. */
  readonly routing: string | undefined;

  /** Creates a config from explicit values. */
  constructor(init: StemConfigInit) {
    this.brokerUrl = init.brokerUrl;
    this.resultBackendUrl = init.resultBackendUrl ?? init.brokerUrl;
    this.defaultQueue = init.defaultQueue ?? "default";
    this.prefetchMultiplier = init.prefetchMultiplier ?? 2;
    this.workerQueues = init.workerQueues;
    this.signing = init.signing;
    this.encryption = init.encryption;
    this.tls = init.tls;
    this.logLevel = init.logLevel;
    this.logFormat = init.logFormat;
    this.routing = init.routing;
  }

  /**
   * The routing config `STEM_ROUTING` names: JSON text when it starts with `{`, else a JSON
   * file's path read with `readTextFile` (entry points supply it; src/ reads no files). A bad
   * config is a `ConfigError` for `STEM_ROUTING` whose message names the field.
   */
  async routingConfig(
    options: { readTextFile?: ReadTextFile } = {},
  ): Promise<RoutingConfig | undefined> {
    const value = this.routing?.trim();
    if (!value) return undefined;
    let text = value;
    if (!value.startsWith("{")) {
      if (!options.readTextFile) {
        throw new ConfigError(
          "STEM_ROUTING",
          `names the file "${value}", and nothing here reads files.`,
        );
      }
      try {
        text = await options.readTextFile(value);
      } catch (error) {
        throw new ConfigError("STEM_ROUTING", `names "${value}", which cannot be read: ${error}`);
      }
    }
    try {
      return RoutingConfig.fromJson(text);
    } catch (error) {
      throw new ConfigError("STEM_ROUTING", `is invalid: ${(error as Error).message}`);
    }
  }

  /**
   * A console logger at `STEM_LOG_LEVEL` in `STEM_LOG_FORMAT`, for processes (`stem worker`);
   * `fallback` is the level when the variable is not set.
   */
  logger(fallback: LogLevel = "warn"): Logger {
    return consoleLogger({ level: this.logLevel ?? fallback, format: this.logFormat ?? "text" });
  }

  /**
   * Reads every `STEM_*` variable from `env` (`Deno.env`, `process.env`, a Workers `env`, or any
   * record); without `env`, from the process environment registered by the composition root
   * (importing `@stem/stem` registers it; edge code passes its `env`). Throws `ConfigError` naming the variable when one is missing or malformed, so a
   * misconfigured process fails at start-up rather than at its first task.
   */
  static fromEnvironment(env: EnvSource = defaultEnvSource()): StemConfig {
    const reader = new EnvReader(env);
    const brokerUrl = urlFrom(reader, "STEM_BROKER_URL");
    if (brokerUrl === undefined) {
      throw new ConfigError("STEM_BROKER_URL", `is not set; e.g. "redis://localhost:6379".`);
    }
    return new StemConfig({
      brokerUrl,
      resultBackendUrl: urlFrom(reader, "STEM_RESULT_BACKEND_URL"),
      defaultQueue: reader.string("STEM_DEFAULT_QUEUE"),
      prefetchMultiplier: reader.integer("STEM_PREFETCH_MULTIPLIER", 2, 1),
      workerQueues: reader.list("STEM_WORKER_QUEUES"),
      signing: signingFromEnv(reader),
      encryption: encryptionFromEnv(reader),
      tls: tlsFromEnv(reader),
      logLevel: oneOf(reader, "STEM_LOG_LEVEL", LOG_LEVELS),
      logFormat: oneOf(reader, "STEM_LOG_FORMAT", ["text", "json"] as const),
      routing: reader.string("STEM_ROUTING"),
    });
  }

  /**
   * The options for `Stem`, `Worker` and `StemApp` that come from this config. Combine with
   * {@link StemConfig.connectOptions} for the adapters (`StemApp.fromUrl`'s `connect`).
   */
  toAppOptions(): StemConfigAppOptions {
    const encryption = AesGcmPayloadEncoder.maybe(this.encryption);
    const options: StemConfigAppOptions = {
      defaultQueue: this.defaultQueue,
      prefetchMultiplier: this.prefetchMultiplier,
      backendUrl: this.resultBackendUrl,
      encoders: encryption ? [encryption] : [],
    };
    if (this.workerQueues) options.queues = [...this.workerQueues];
    const signer = PayloadSigner.maybe(this.signing);
    if (signer) options.signer = signer;
    return options;
  }

  /**
   * The connect options every adapter takes (`StemApp.fromUrl(url, { connect })`): `tls` with
   * certificates as PEM. Certificates given as file paths are read with `readTextFile`, which
   * entry points supply (src/ reads no files); without one, a path is a `ConfigError`.
   */
  async connectOptions(
    options: { readTextFile?: ReadTextFile } = {},
  ): Promise<StemConfigConnectOptions> {
    if (!this.tls) return {};
    return { tls: await tlsConnectOptions(this.tls, options.readTextFile) };
  }

  /** A loggable summary: URLs without passwords, no key material. */
  toJSON(): Record<string, unknown> {
    return {
      brokerUrl: redactUrl(this.brokerUrl),
      resultBackendUrl: redactUrl(this.resultBackendUrl),
      defaultQueue: this.defaultQueue,
      prefetchMultiplier: this.prefetchMultiplier,
      workerQueues: this.workerQueues,
      signing: this.signing
        ? { algorithm: this.signing.algorithm, activeKeyId: this.signing.activeKeyId }
        : undefined,
      encryption: this.encryption ? { activeKeyId: this.encryption.activeKeyId } : undefined,
      tls: this.tls
        ? { ...this.tls, clientKey: this.tls.clientKey ? "***" : undefined }
        : undefined,
    };
  }
}
