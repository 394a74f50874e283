import { getPublicKeyAsync, signAsync, verifyAsync } from "@noble/ed25519";
import type { SignatureScheme } from "./signature_scheme.ts";

/**
 * Ed25519 through `@noble/ed25519`'s async API (SHA-512 from `crypto.subtle`). Verifiers trust the
 * public keys plus those derived from any private keys; verification is strict RFC 8032.
 */
export class Ed25519Scheme implements SignatureScheme {
  /** Always `"ed25519"`. */
  readonly algorithm = "ed25519" as const;
  /** Key id used to sign. */
  readonly activeKeyId: string | undefined;
  readonly #publicKeys: Map<string, Promise<Uint8Array>>;
  readonly #privateKeys: Map<string, Uint8Array>;

  /** Creates the scheme over validated 32-byte keys. */
  constructor(
    publicKeys: Map<string, Uint8Array>,
    privateKeys: Map<string, Uint8Array>,
    activeKeyId: string | undefined,
  ) {
    this.#privateKeys = privateKeys;
    this.activeKeyId = activeKeyId;
    this.#publicKeys = new Map();
    for (const [id, key] of publicKeys) this.#publicKeys.set(id, Promise.resolve(key));
  }

  /** True when `keyId` names a public or private key. */
  hasKey(keyId: string): boolean {
    return this.#publicKeys.has(keyId) || this.#privateKeys.has(keyId);
  }

  /** Signs with the active private key. */
  async sign(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
    return await signAsync(data, this.#privateKeys.get(this.activeKeyId!)!);
  }

  /** Verifies with the public key of `keyId`; malformed signatures are simply invalid. */
  async verify(
    keyId: string,
    data: Uint8Array<ArrayBuffer>,
    signature: Uint8Array<ArrayBuffer>,
  ): Promise<boolean> {
    if (signature.length !== 64) return false;
    try {
      return await verifyAsync(signature, data, await this.#publicKey(keyId), { zip215: false });
    } catch {
      return false;
    }
  }

  #publicKey(keyId: string): Promise<Uint8Array> {
    let key = this.#publicKeys.get(keyId);
    if (!key) {
      key = getPublicKeyAsync(this.#privateKeys.get(keyId)!);
      this.#publicKeys.set(keyId, key);
    }
    return key;
  }
}
