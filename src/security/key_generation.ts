import { keygenAsync } from "@noble/ed25519";
import { bytesToBase64 } from "./base64.ts";

/** What `generateKeys` can make: a signing key pair/secret, or an AES-GCM payload key. */
export type GeneratedKeyKind = "hmac-sha256" | "ed25519" | "aes-gcm";

/** Fresh keys as `STEM_*` environment variables. */
export interface GeneratedKeys {
  /** The key id used. */
  keyId: string;
  /** Variables to set on producers (everything). */
  env: Record<string, string>;
  /** The subset a verify-only worker needs (Ed25519: the public key only). */
  workerEnv: Record<string, string>;
}

function defaultKeyId(): string {
  return `k${new Date().toISOString().slice(0, 10).replaceAll("-", "")}`;
}

/**
 * Generates keys from `crypto.getRandomValues` and returns them as environment lines.
 *
 * @example
 * ```ts
 * import { generateKeys } from "./key_generation.ts";
 * const { env } = await generateKeys("hmac-sha256", "k1");
 * env.STEM_SIGNING_KEYS.startsWith("k1:"); // true
 * ```
 */
export async function generateKeys(
  kind: GeneratedKeyKind,
  keyId: string = defaultKeyId(),
): Promise<GeneratedKeys> {
  if (!/^[A-Za-z0-9._-]+$/.test(keyId)) {
    throw new RangeError(`Invalid key id "${keyId}": use letters, digits, ".", "_" or "-".`);
  }
  if (kind === "hmac-sha256") {
    const secret = `${keyId}:${bytesToBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
    const env = {
      STEM_SIGNING_ALGORITHM: kind,
      STEM_SIGNING_KEYS: secret,
      STEM_SIGNING_ACTIVE_KEY: keyId,
    };
    return { keyId, env, workerEnv: env };
  }
  if (kind === "ed25519") {
    const { secretKey, publicKey } = await keygenAsync();
    const publicKeys = `${keyId}:${bytesToBase64(publicKey)}`;
    return {
      keyId,
      env: {
        STEM_SIGNING_ALGORITHM: kind,
        STEM_SIGNING_PUBLIC_KEYS: publicKeys,
        STEM_SIGNING_PRIVATE_KEYS: `${keyId}:${bytesToBase64(secretKey)}`,
        STEM_SIGNING_ACTIVE_KEY: keyId,
      },
      workerEnv: { STEM_SIGNING_ALGORITHM: kind, STEM_SIGNING_PUBLIC_KEYS: publicKeys },
    };
  }
  if (kind === "aes-gcm") {
    const env = {
      STEM_ENCRYPTION_KEYS: `${keyId}:${bytesToBase64(crypto.getRandomValues(new Uint8Array(32)))}`,
      STEM_ENCRYPTION_ACTIVE_KEY: keyId,
    };
    return { keyId, env, workerEnv: env };
  }
  throw new RangeError(`Unknown key kind "${kind}": use hmac-sha256, ed25519 or aes-gcm.`);
}
