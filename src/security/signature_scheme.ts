import type { SigningAlgorithm } from "./signing_config.ts";

/** One algorithm's key handling behind `PayloadSigner`. */
export interface SignatureScheme {
  /** Algorithm id written into signatures. */
  readonly algorithm: SigningAlgorithm;
  /** Key id used to sign, when this node can sign. */
  readonly activeKeyId: string | undefined;
  /** True when `keyId` is trusted for verification. */
  hasKey(keyId: string): boolean;
  /** Signs `data` with the active key. */
  sign(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array>;
  /** Checks `signature` over `data` with key `keyId`, in constant time. */
  verify(
    keyId: string,
    data: Uint8Array<ArrayBuffer>,
    signature: Uint8Array<ArrayBuffer>,
  ): Promise<boolean>;
}
