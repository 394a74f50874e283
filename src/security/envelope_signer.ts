import type { Envelope } from "../core/envelope.ts";

/**
 * Signs envelopes on the producer and verifies them on the worker. `PayloadSigner` implements it.
 * `verify` throws a `SignatureError` whose `reason` is the dead-letter reason
 * (`signature-invalid`, `signature-missing`, `unknown-key`).
 */
export interface EnvelopeSigner {
  /** True when this signer holds a key it can sign with (verify-only nodes return false). */
  readonly canSign: boolean;
  /** Returns the envelope with `signature` set. */
  sign(envelope: Envelope): Promise<Envelope>;
  /** Resolves when the signature is valid; throws `SignatureError` otherwise. */
  verify(envelope: Envelope): Promise<void>;
}
