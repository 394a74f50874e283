import type { Envelope, EnvelopeSignature } from "../core/envelope.ts";
import { SignatureError } from "../core/errors.ts";
import { base64ToBytes, bytesToBase64 } from "./base64.ts";
import { canonicalEnvelope } from "./canonical_envelope.ts";
import { Ed25519Scheme } from "./ed25519_scheme.ts";
import type { EnvelopeSigner } from "./envelope_signer.ts";
import { HmacScheme } from "./hmac_scheme.ts";
import { keyBytes } from "./key_material.ts";
import type { SignatureScheme } from "./signature_scheme.ts";
import { SIGNING_ALGORITHMS, type SigningAlgorithm, type SigningConfig } from "./signing_config.ts";

const encoder = new TextEncoder();

const atLeast16 = (
  n: number,
) => (n >= 16 ? undefined : `is ${n} bytes; use at least 16 (32 is best).`);
const exactly32 = (
  n: number,
) => (n === 32 ? undefined : `is ${n} bytes; Ed25519 keys are 32 bytes.`);

function pickActive(config: SigningConfig, signingIds: string[], what: string): string | undefined {
  const active = config.activeKeyId;
  if (active !== undefined) {
    if (!signingIds.includes(active)) {
      throw new RangeError(
        `Active signing key "${active}" is not among the ${what} (${
          signingIds.join(", ") || "none"
        }).`,
      );
    }
    return active;
  }
  return signingIds.length === 1 ? signingIds[0] : undefined;
}

function buildScheme(config: SigningConfig): SignatureScheme {
  const algorithm: SigningAlgorithm = config.algorithm ?? "hmac-sha256";
  if (algorithm === "hmac-sha256") {
    const secrets = keyBytes(config.keys, "HMAC key", atLeast16);
    if (secrets.size === 0) throw new TypeError("HMAC-SHA256 signing needs at least one key.");
    return new HmacScheme(secrets, pickActive(config, [...secrets.keys()], "HMAC keys"));
  }
  if (algorithm === "ed25519") {
    const publicKeys = keyBytes(config.publicKeys, "Ed25519 public key", exactly32);
    const privateKeys = keyBytes(config.privateKeys, "Ed25519 private key", exactly32);
    if (publicKeys.size + privateKeys.size === 0) {
      throw new TypeError(
        "Ed25519 signing needs public keys (to verify) or private keys (to sign).",
      );
    }
    const active = pickActive(config, [...privateKeys.keys()], "Ed25519 private keys");
    return new Ed25519Scheme(publicKeys, privateKeys, active);
  }
  throw new RangeError(
    `Unknown signing algorithm "${algorithm}": use one of ${SIGNING_ALGORITHMS.join(", ")}.`,
  );
}

function describe(envelope: Envelope): string {
  return `Task "${envelope.name}" (${envelope.id})`;
}

/**
 * Signs envelopes on producers and verifies them on workers, with HMAC-SHA256 (Web Crypto) or
 * Ed25519 (`@noble/ed25519`). Signatures carry a key id: new ones use the active key, and any
 * trusted key verifies, so keys rotate without downtime. The signature covers every envelope field
 * except `signature`, `attempt` and `notBefore` (see `canonicalEnvelope`), so retries and
 * dead-letter replays keep it valid.
 *
 * @example
 * ```ts
 * import { PayloadSigner } from "./payload_signer.ts";
 * const signer = PayloadSigner.maybe({
 *   algorithm: "hmac-sha256",
 *   keys: { k1: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==" },
 * });
 * // new Stem({ broker, signer }) signs; new Worker({ ..., signer }) verifies.
 * ```
 */
export class PayloadSigner implements EnvelopeSigner {
  /** The algorithm in use. */
  readonly algorithm: SigningAlgorithm;
  /** Key id new signatures use, when this node can sign. */
  readonly activeKeyId: string | undefined;
  /** Whether unsigned envelopes are rejected. */
  readonly requireSignatures: boolean;
  readonly #scheme: SignatureScheme;

  /** Builds a signer; throws `TypeError`/`RangeError` on unusable keys. */
  constructor(config: SigningConfig) {
    this.#scheme = buildScheme(config);
    this.algorithm = this.#scheme.algorithm;
    this.activeKeyId = this.#scheme.activeKeyId;
    this.requireSignatures = config.requireSignatures ?? true;
  }

  /** A signer for `config`, or `undefined` when signing is off (no config). */
  static maybe(config: SigningConfig | null | undefined): PayloadSigner | undefined {
    return config ? new PayloadSigner(config) : undefined;
  }

  /** True when this node holds a key to sign with (verify-only workers return false). */
  get canSign(): boolean {
    return this.activeKeyId !== undefined;
  }

  /** Returns a copy of `envelope` with `signature` set. */
  async sign(envelope: Envelope): Promise<Envelope> {
    if (!this.canSign) {
      throw new TypeError(
        "This PayloadSigner cannot sign: it has no active key (set activeKeyId, and for Ed25519 a private key).",
      );
    }
    const data = encoder.encode(canonicalEnvelope(envelope));
    const sig = bytesToBase64(await this.#scheme.sign(data));
    const signature: EnvelopeSignature = { alg: this.algorithm, kid: this.activeKeyId!, sig };
    return { ...envelope, signature };
  }

  /**
   * Resolves when the envelope's signature is valid. Throws `SignatureError` with reason
   * `signature-missing`, `unknown-key` or `signature-invalid`.
   */
  async verify(envelope: Envelope): Promise<void> {
    const signature = envelope.signature as Partial<EnvelopeSignature> | undefined | null;
    if (signature === undefined || signature === null) {
      if (!this.requireSignatures) return;
      throw new SignatureError(
        "signature-missing",
        `${describe(envelope)} is not signed, and this worker requires signatures.`,
      );
    }
    const { alg, kid, sig } = signature;
    if (typeof kid !== "string" || typeof sig !== "string" || typeof alg !== "string") {
      throw new SignatureError(
        "signature-invalid",
        `${describe(envelope)} has a malformed signature.`,
      );
    }
    if (alg !== this.algorithm) {
      throw new SignatureError(
        "signature-invalid",
        `${
          describe(envelope)
        } is signed with "${alg}", but this worker verifies "${this.algorithm}".`,
        kid,
      );
    }
    if (!this.#scheme.hasKey(kid)) {
      throw new SignatureError(
        "unknown-key",
        `${
          describe(envelope)
        } is signed with key "${kid}", which this worker does not trust. Add it to the trusted keys.`,
        kid,
      );
    }
    if (!(await this.#check(kid, envelope, sig))) {
      throw new SignatureError(
        "signature-invalid",
        `${
          describe(envelope)
        } failed signature verification with key "${kid}": it was altered or signed with another secret.`,
        kid,
      );
    }
  }

  async #check(kid: string, envelope: Envelope, sig: string): Promise<boolean> {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = base64ToBytes(sig);
    } catch {
      return false;
    }
    return await this.#scheme.verify(kid, encoder.encode(canonicalEnvelope(envelope)), bytes);
  }
}
