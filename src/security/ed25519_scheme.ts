import type { SignatureScheme } from "./signature_scheme.ts";

type Fallback = typeof import("./ed25519_fallback.ts");
let fallback: Promise<Fallback> | undefined;

/** Loads `@noble/ed25519` on first use, so hosts with native Ed25519 never fetch or parse it. */
function loadFallback(): Promise<Fallback> {
  return fallback ??= import("./ed25519_fallback.ts");
}

/** DER prefix that turns a 32-byte Ed25519 seed into a PKCS#8 private key (RFC 8410). */
const PKCS8_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04];

function pkcs8(seed: Uint8Array): Uint8Array<ArrayBuffer> {
  const der = new Uint8Array(48);
  der.set(PKCS8_PREFIX);
  der.set([0x22, 0x04, 0x20], 13);
  der.set(seed, 16);
  return der;
}

/** The public key of `seed` via Web Crypto: a private key's JWK carries it as `x`. */
async function nativePublicKey(seed: Uint8Array): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("pkcs8", pkcs8(seed), { name: "Ed25519" }, true, [
    "sign",
  ]);
  const jwk = await crypto.subtle.exportKey("jwk", key);
  const b64 = jwk.x!.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64 + "=".repeat((4 - b64.length % 4) % 4)), (c) => c.charCodeAt(0));
}

let nativeSupport: Promise<boolean> | undefined;

/**
 * True when this host's Web Crypto implements Ed25519 (Deno, Bun, workerd, Node 20+); asked
 * once per isolate by importing a key.
 */
function hasNativeEd25519(): Promise<boolean> {
  return nativeSupport ??= crypto.subtle
    .importKey("raw", new Uint8Array(32).fill(1), { name: "Ed25519" }, false, ["verify"])
    .then(() => true, () => false);
}

/**
 * Ed25519 signatures. Uses Web Crypto's native Ed25519 where the host has it (much faster), and
 * `@noble/ed25519`'s async API (SHA-512 from `crypto.subtle`), loaded on demand, elsewhere;
 * both produce the same
 * deterministic signatures. Verifiers trust the public keys plus those derived from any private
 * keys.
 */
export class Ed25519Scheme implements SignatureScheme {
  /** Always `"ed25519"`. */
  readonly algorithm = "ed25519" as const;
  /** Key id used to sign. */
  readonly activeKeyId: string | undefined;
  readonly #publicKeys: Map<string, Promise<Uint8Array>>;
  readonly #privateKeys: Map<string, Uint8Array>;
  readonly #verifyKeys = new Map<string, Promise<CryptoKey>>();
  readonly #native: () => Promise<boolean>;
  #signKey: Promise<CryptoKey> | undefined;

  /**
   * Creates the scheme over validated 32-byte keys. `options.native: false` forces the
   * `@noble/ed25519` path (tests use it to cover hosts without native Ed25519).
   */
  constructor(
    publicKeys: Map<string, Uint8Array>,
    privateKeys: Map<string, Uint8Array>,
    activeKeyId: string | undefined,
    options: { native?: boolean } = {},
  ) {
    this.#native = options.native === false ? () => Promise.resolve(false) : hasNativeEd25519;
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
    const seed = this.#privateKeys.get(this.activeKeyId!)!;
    if (!(await this.#native())) return await (await loadFallback()).signAsync(data, seed);
    this.#signKey ??= crypto.subtle.importKey("pkcs8", pkcs8(seed), { name: "Ed25519" }, false, [
      "sign",
    ]);
    return new Uint8Array(await crypto.subtle.sign("Ed25519", await this.#signKey, data));
  }

  /** Verifies with the public key of `keyId`; malformed signatures are simply invalid. */
  async verify(
    keyId: string,
    data: Uint8Array<ArrayBuffer>,
    signature: Uint8Array<ArrayBuffer>,
  ): Promise<boolean> {
    if (signature.length !== 64) return false;
    try {
      const publicKey = await this.#publicKey(keyId);
      if (!(await this.#native())) {
        const { verifyAsync } = await loadFallback();
        return await verifyAsync(signature, data, publicKey, { zip215: false });
      }
      return await crypto.subtle.verify("Ed25519", await this.#verifyKey(keyId), signature, data);
    } catch {
      return false;
    }
  }

  #verifyKey(keyId: string): Promise<CryptoKey> {
    let key = this.#verifyKeys.get(keyId);
    if (!key) {
      key = this.#publicKey(keyId).then((raw) =>
        crypto.subtle.importKey("raw", new Uint8Array(raw), { name: "Ed25519" }, false, ["verify"])
      );
      this.#verifyKeys.set(keyId, key);
    }
    return key;
  }

  #publicKey(keyId: string): Promise<Uint8Array> {
    let key = this.#publicKeys.get(keyId);
    if (!key) {
      const seed = this.#privateKeys.get(keyId)!;
      key = this.#native().then((native) =>
        native ? nativePublicKey(seed) : loadFallback().then((n) => n.getPublicKeyAsync(seed))
      );
      this.#publicKeys.set(keyId, key);
    }
    return key;
  }
}
