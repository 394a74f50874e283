/** Signature algorithms a {@link SigningConfig} can name. */
export type SigningAlgorithm = "hmac-sha256" | "ed25519";

/** Every supported algorithm id. */
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ["hmac-sha256", "ed25519"];

/** Key material: raw bytes, or the same bytes as base64 text. */
export type KeyMaterial = Uint8Array | string;

/**
 * Settings of a `PayloadSigner`. `StemConfig.fromEnvironment()` builds one from `STEM_SIGNING_*`.
 *
 * @example
 * ```ts
 * import type { SigningConfig } from "./signing_config.ts";
 * const config: SigningConfig = {
 *   algorithm: "hmac-sha256",
 *   keys: { k2: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==" },
 *   activeKeyId: "k2",
 * };
 * ```
 */
export interface SigningConfig {
  /** Which algorithm signs and verifies. @default "hmac-sha256" */
  algorithm?: SigningAlgorithm;
  /** HMAC-SHA256 shared secrets by key id (at least 16 bytes each). */
  keys?: Record<string, KeyMaterial>;
  /** Ed25519 public keys (32 bytes) by key id: what a verifier trusts. */
  publicKeys?: Record<string, KeyMaterial>;
  /** Ed25519 private keys (32-byte seeds) by key id: what a producer signs with. */
  privateKeys?: Record<string, KeyMaterial>;
  /**
   * Key id new signatures use. Verification accepts every trusted key, so keys rotate without
   * downtime. @default the only key, when exactly one can sign
   */
  activeKeyId?: string;
  /**
   * Reject unsigned envelopes (`signature-missing`). Turn off only while rolling signing out.
   * @default true
   */
  requireSignatures?: boolean;
}
