import {
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  type SigningConfig,
} from "../security/signing_config.ts";
import { ConfigError } from "./config_error.ts";
import type { EnvReader } from "./env_source.ts";
import { parseKeyList } from "./key_list.ts";

const ALGORITHM = "STEM_SIGNING_ALGORITHM";
const KEYS = "STEM_SIGNING_KEYS";
const PUBLIC = "STEM_SIGNING_PUBLIC_KEYS";
const PRIVATE = "STEM_SIGNING_PRIVATE_KEYS";
const ACTIVE = "STEM_SIGNING_ACTIVE_KEY";

const hmacLength = (
  n: number,
) => (n >= 16 ? undefined : `is ${n} bytes; use at least 16 (32 is best).`);
const edLength = (
  n: number,
) => (n === 32 ? undefined : `is ${n} bytes; Ed25519 keys are 32 bytes.`);

function algorithmOf(env: EnvReader): SigningAlgorithm {
  const value = env.string(ALGORITHM)?.toLowerCase() ?? "hmac-sha256";
  if (!SIGNING_ALGORITHMS.includes(value as SigningAlgorithm)) {
    throw new ConfigError(ALGORITHM, `is "${value}"; use ${SIGNING_ALGORITHMS.join(" or ")}.`);
  }
  return value as SigningAlgorithm;
}

function activeKey(env: EnvReader, signing: string[], from: string): string | undefined {
  const active = env.string(ACTIVE);
  if (active === undefined) {
    if (signing.length > 1) {
      throw new ConfigError(ACTIVE, `is required when ${from} holds more than one key.`);
    }
    return signing[0];
  }
  if (!signing.includes(active)) {
    throw new ConfigError(
      ACTIVE,
      `is "${active}", which is not among ${from} (${signing.join(", ")}).`,
    );
  }
  return active;
}

function refuse(env: EnvReader, names: string[], algorithm: string): void {
  for (const name of names) {
    if (env.string(name) !== undefined) {
      throw new ConfigError(
        name,
        `is set, but ${ALGORITHM} is "${algorithm}", which does not use it.`,
      );
    }
  }
}

function hmacConfig(env: EnvReader, required: boolean): SigningConfig | undefined {
  refuse(env, [PUBLIC, PRIVATE], "hmac-sha256");
  const text = env.string(KEYS);
  if (text === undefined) return undefined;
  const keys = parseKeyList(KEYS, text, hmacLength);
  const ids = Object.keys(keys);
  if (ids.length === 0) throw new ConfigError(KEYS, "lists no keys.");
  const activeKeyId = activeKey(env, ids, KEYS);
  return { algorithm: "hmac-sha256", keys, activeKeyId, requireSignatures: required };
}

function ed25519Config(env: EnvReader, required: boolean): SigningConfig | undefined {
  refuse(env, [KEYS], "ed25519");
  const publicText = env.string(PUBLIC);
  const privateText = env.string(PRIVATE);
  if (publicText === undefined && privateText === undefined) return undefined;
  const publicKeys = publicText === undefined ? {} : parseKeyList(PUBLIC, publicText, edLength);
  const privateKeys = privateText === undefined ? {} : parseKeyList(PRIVATE, privateText, edLength);
  const signing = Object.keys(privateKeys);
  const activeKeyId = signing.length ? activeKey(env, signing, PRIVATE) : undefined;
  return {
    algorithm: "ed25519",
    publicKeys,
    privateKeys,
    activeKeyId,
    requireSignatures: required,
  };
}

/**
 * Reads `STEM_SIGNING_*`. Returns `undefined` when no keys are set (signing off); throws
 * `ConfigError` naming the variable on anything inconsistent.
 */
export function signingFromEnv(env: EnvReader): SigningConfig | undefined {
  const algorithm = algorithmOf(env);
  const required = env.boolean("STEM_SIGNING_REQUIRED", true);
  const config = algorithm === "hmac-sha256"
    ? hmacConfig(env, required)
    : ed25519Config(env, required);
  if (config) return config;
  for (const name of [ALGORITHM, ACTIVE]) {
    if (env.string(name) !== undefined) {
      const keys = algorithm === "hmac-sha256" ? KEYS : `${PUBLIC} or ${PRIVATE}`;
      throw new ConfigError(name, `is set, but no keys are: set ${keys} too.`);
    }
  }
  return undefined;
}
