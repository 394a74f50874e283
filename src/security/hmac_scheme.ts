import type { SignatureScheme } from "./signature_scheme.ts";

const HMAC = { name: "HMAC", hash: "SHA-256" } as const;

/** HMAC-SHA256 over Web Crypto; `crypto.subtle.verify` compares in constant time. */
export class HmacScheme implements SignatureScheme {
  /** Always `"hmac-sha256"`. */
  readonly algorithm = "hmac-sha256" as const;
  /** Key id used to sign. */
  readonly activeKeyId: string | undefined;
  readonly #secrets: Map<string, Uint8Array<ArrayBuffer>>;
  readonly #cryptoKeys = new Map<string, Promise<CryptoKey>>();

  /** Creates the scheme over `secrets` (already validated). */
  constructor(secrets: Map<string, Uint8Array<ArrayBuffer>>, activeKeyId: string | undefined) {
    this.#secrets = secrets;
    this.activeKeyId = activeKeyId;
  }

  /** True when `keyId` is one of the secrets. */
  hasKey(keyId: string): boolean {
    return this.#secrets.has(keyId);
  }

  /** HMAC of `data` with the active secret. */
  async sign(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
    const key = await this.#key(this.activeKeyId!);
    return new Uint8Array(await crypto.subtle.sign("HMAC", key, data));
  }

  /** Verifies the HMAC with `crypto.subtle.verify` (constant time). */
  async verify(
    keyId: string,
    data: Uint8Array<ArrayBuffer>,
    signature: Uint8Array<ArrayBuffer>,
  ): Promise<boolean> {
    return await crypto.subtle.verify("HMAC", await this.#key(keyId), signature, data);
  }

  #key(keyId: string): Promise<CryptoKey> {
    let key = this.#cryptoKeys.get(keyId);
    if (!key) {
      const secret = this.#secrets.get(keyId)!;
      key = crypto.subtle.importKey("raw", secret, HMAC, false, ["sign", "verify"]);
      this.#cryptoKeys.set(keyId, key);
    }
    return key;
  }
}
