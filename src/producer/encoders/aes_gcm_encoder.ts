import type { JsonValue } from "../../core/envelope.ts";
import { base64ToBytes, bytesToBase64 } from "../../security/base64.ts";
import { keyBytes } from "../../security/key_material.ts";
import type { KeyMaterial } from "../../security/signing_config.ts";
import type { TaskPayloadEncoder } from "../payload_encoder.ts";
import { PayloadDecodeError } from "./payload_decode_error.ts";

/** Keys of an {@link AesGcmPayloadEncoder}; `StemConfig` reads them from `STEM_ENCRYPTION_*`. */
export interface EncryptionConfig {
  /** AES keys (16, 24 or 32 bytes) by key id. */
  keys: Record<string, KeyMaterial>;
  /** Key id new payloads are encrypted with. @default the only key */
  activeKeyId?: string;
}

/** Options of {@link AesGcmPayloadEncoder}. */
export interface AesGcmEncoderOptions extends EncryptionConfig {
  /** Encoder id recorded on envelopes and statuses. @default "aes-gcm" */
  id?: string;
}

/** The JSON shape of an encrypted payload. */
interface Sealed {
  kid: string;
  iv: string;
  ct: string;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
const keyLength = (n: number) =>
  n === 16 || n === 24 || n === 32 ? undefined : `is ${n} bytes; AES keys are 16, 24 or 32 bytes.`;

function isSealed(value: JsonValue): value is JsonValue & Sealed {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  return typeof value.kid === "string" && typeof value.iv === "string" &&
    typeof value.ct === "string";
}

/**
 * Encrypts payloads with AES-GCM (Web Crypto): a fresh 96-bit IV per payload, the key id stored
 * next to the ciphertext (and bound to it as additional data), so keys rotate: encrypt with the
 * active key, decrypt with any configured one. Register it on producers and workers alike.
 *
 * @example
 * ```ts
 * import { AesGcmPayloadEncoder } from "./aes_gcm_encoder.ts";
 * const aes = new AesGcmPayloadEncoder({ keys: { e1: new Uint8Array(32) } });
 * const sealed = await aes.encode({ card: "4111" }); // { kid: "e1", iv: "...", ct: "..." }
 * await aes.decode(sealed); // { card: "4111" }
 * ```
 */
export class AesGcmPayloadEncoder implements TaskPayloadEncoder {
  /** Encoder id. */
  readonly id: string;
  /** Key id new payloads use. */
  readonly activeKeyId: string;
  readonly #raw: Map<string, Uint8Array<ArrayBuffer>>;
  readonly #keys = new Map<string, Promise<CryptoKey>>();

  /** Creates the encoder; throws on a bad key or an active key that is not configured. */
  constructor(options: AesGcmEncoderOptions) {
    this.id = options.id ?? "aes-gcm";
    this.#raw = keyBytes(options.keys, "AES-GCM key", keyLength);
    const ids = [...this.#raw.keys()];
    if (ids.length === 0) throw new TypeError("AesGcmPayloadEncoder needs at least one key.");
    const active = options.activeKeyId ?? (ids.length === 1 ? ids[0] : undefined);
    if (active === undefined || !this.#raw.has(active)) {
      throw new RangeError(
        `AES-GCM active key "${active ?? ""}" is not among the keys (${ids.join(", ")}).`,
      );
    }
    this.activeKeyId = active;
  }

  /** An encoder for `config`, or `undefined` when encryption is not configured. */
  static maybe(config: EncryptionConfig | null | undefined): AesGcmPayloadEncoder | undefined {
    return config ? new AesGcmPayloadEncoder(config) : undefined;
  }

  /** Encrypts the JSON text of `value`. */
  async encode(value: unknown): Promise<JsonValue> {
    const kid = this.activeKeyId;
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const plain = textEncoder.encode(JSON.stringify(value ?? null));
    const ct = await crypto.subtle.encrypt(this.#params(iv, kid), await this.#key(kid), plain);
    return { kid, iv: bytesToBase64(iv), ct: bytesToBase64(new Uint8Array(ct)) };
  }

  /** Decrypts and parses; throws `PayloadDecodeError` on an unknown key or tampering. */
  async decode(value: JsonValue): Promise<unknown> {
    if (!isSealed(value)) {
      throw new PayloadDecodeError(this.id, "An AES-GCM payload must be { kid, iv, ct }.");
    }
    if (!this.#raw.has(value.kid)) {
      throw new PayloadDecodeError(
        this.id,
        `Payload was encrypted with key "${value.kid}", which is not configured here. Add it to the encryption keys.`,
      );
    }
    let plain: ArrayBuffer;
    try {
      const params = this.#params(base64ToBytes(value.iv), value.kid);
      plain = await crypto.subtle.decrypt(
        params,
        await this.#key(value.kid),
        base64ToBytes(value.ct),
      );
    } catch (error) {
      throw new PayloadDecodeError(
        this.id,
        `Could not decrypt a payload with key "${value.kid}": it was altered or the key is wrong.`,
        { cause: error },
      );
    }
    return JSON.parse(textDecoder.decode(plain));
  }

  #params(iv: Uint8Array<ArrayBuffer>, kid: string): AesGcmParams {
    return { name: "AES-GCM", iv, additionalData: textEncoder.encode(`stem:${this.id}:${kid}`) };
  }

  #key(kid: string): Promise<CryptoKey> {
    let key = this.#keys.get(kid);
    if (!key) {
      key = crypto.subtle.importKey("raw", this.#raw.get(kid)!, "AES-GCM", false, [
        "encrypt",
        "decrypt",
      ]);
      this.#keys.set(kid, key);
    }
    return key;
  }
}
