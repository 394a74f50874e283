import type { EncryptionConfig } from "../producer/encoders/aes_gcm_encoder.ts";
import { ConfigError } from "./config_error.ts";
import type { EnvReader } from "./env_source.ts";
import { parseKeyList } from "./key_list.ts";

const KEYS = "STEM_ENCRYPTION_KEYS";
const ACTIVE = "STEM_ENCRYPTION_ACTIVE_KEY";
const aesLength = (n: number) =>
  n === 16 || n === 24 || n === 32 ? undefined : `is ${n} bytes; AES keys are 16, 24 or 32 bytes.`;

/** Reads `STEM_ENCRYPTION_KEYS` / `STEM_ENCRYPTION_ACTIVE_KEY` (AES-GCM payload keys). */
export function encryptionFromEnv(env: EnvReader): EncryptionConfig | undefined {
  const text = env.string(KEYS);
  const active = env.string(ACTIVE);
  if (text === undefined) {
    if (active !== undefined) throw new ConfigError(ACTIVE, `is set, but ${KEYS} is not.`);
    return undefined;
  }
  const keys = parseKeyList(KEYS, text, aesLength);
  const ids = Object.keys(keys);
  if (ids.length === 0) throw new ConfigError(KEYS, "lists no keys.");
  if (active === undefined && ids.length > 1) {
    throw new ConfigError(ACTIVE, `is required when ${KEYS} holds more than one key.`);
  }
  if (active !== undefined && !ids.includes(active)) {
    throw new ConfigError(
      ACTIVE,
      `is "${active}", which is not among ${KEYS} (${ids.join(", ")}).`,
    );
  }
  return { keys, activeKeyId: active ?? ids[0] };
}
