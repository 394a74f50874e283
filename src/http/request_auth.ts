import type { Clock } from "../core/clock.ts";
import { type Duration, toMillis } from "../core/duration.ts";
import { base64ToBytes } from "../security/base64.ts";
import { keyBytes } from "../security/key_material.ts";
import type { KeyMaterial } from "../security/signing_config.ts";
import { HttpProblem } from "./http_problem.ts";
import { REQUEST_SIGNATURE_HEADERS as H, requestStringToSign } from "./request_signing.ts";

/** How API callers authenticate. At least one of `bearer` and `hmac` must be set. */
export interface ApiAuthOptions {
  /** Accepted bearer tokens (`Authorization: Bearer <token>`); several allow rotation. */
  bearer?: string | string[];
  /** HMAC-signed requests (see `signRequest`). */
  hmac?: {
    /** Shared secrets by key id (at least 16 bytes each). */
    keys: Record<string, KeyMaterial>;
    /** Largest accepted clock difference, which is also the replay window. @default "5m" */
    maxSkew?: Duration;
  };
}

const HMAC = { name: "HMAC", hash: "SHA-256" } as const;
const encoder = new TextEncoder();

function unauthorized(detail: string): HttpProblem {
  return new HttpProblem(401, "unauthorized", detail, {
    headers: { "www-authenticate": 'Bearer realm="stem"' },
  });
}

/** Checks API requests in constant time: bearer tokens via an HMAC compare, signed requests via `crypto.subtle.verify`. */
export class RequestAuthenticator {
  readonly #clock: Clock;
  readonly #maxSkew: number;
  readonly #tokenKey: Promise<CryptoKey> | undefined;
  readonly #tokenMacs: Promise<ArrayBuffer[]> | undefined;
  readonly #hmacKeys: Map<string, Promise<CryptoKey>>;

  /** Prepares the checks; throws `TypeError` when no method is configured. */
  constructor(options: ApiAuthOptions, clock: Clock) {
    this.#clock = clock;
    const tokens = [options.bearer ?? []].flat().filter((t) => t !== "");
    if (tokens.length === 0 && !options.hmac) {
      throw new TypeError(
        "stemApi auth needs { bearer } tokens or { hmac } keys (or auth: false).",
      );
    }
    if (tokens.length) {
      const random = crypto.getRandomValues(new Uint8Array(32));
      this.#tokenKey = crypto.subtle.importKey("raw", random, HMAC, false, ["sign", "verify"]);
      this.#tokenMacs = this.#tokenKey.then((key) =>
        Promise.all(tokens.map((t) => crypto.subtle.sign("HMAC", key, encoder.encode(t))))
      );
    }
    const secrets = keyBytes(
      options.hmac?.keys,
      "API HMAC key",
      (n) => n >= 16 ? undefined : `is ${n} bytes; use at least 16.`,
    );
    this.#hmacKeys = new Map(
      [...secrets].map((
        [id, s],
      ) => [id, crypto.subtle.importKey("raw", s, HMAC, false, ["verify"])]),
    );
    this.#maxSkew = toMillis(options.hmac?.maxSkew ?? "5m");
  }

  /** Resolves when the request is authenticated; throws a 401 `HttpProblem` otherwise. */
  async check(request: Request, body: Uint8Array<ArrayBuffer>): Promise<void> {
    const authorization = request.headers.get("authorization");
    if (authorization?.toLowerCase().startsWith("bearer ") && this.#tokenKey) {
      return await this.#checkBearer(authorization.slice(7).trim());
    }
    if (request.headers.has(H.signature) && this.#hmacKeys.size) {
      return await this.#checkSigned(request, body);
    }
    throw unauthorized(
      "Missing credentials: send Authorization: Bearer <token> or a signed request (X-Stem-Signature).",
    );
  }

  async #checkBearer(token: string): Promise<void> {
    const key = await this.#tokenKey!;
    const given = encoder.encode(token);
    let ok = false;
    for (const mac of await this.#tokenMacs!) {
      ok = (await crypto.subtle.verify("HMAC", key, mac, given)) || ok;
    }
    if (!ok) throw unauthorized("The bearer token is not valid.");
  }

  async #checkSigned(request: Request, body: Uint8Array<ArrayBuffer>): Promise<void> {
    const keyId = request.headers.get(H.keyId) ?? "";
    const timestamp = request.headers.get(H.timestamp) ?? "";
    const key = this.#hmacKeys.get(keyId);
    if (!key) throw unauthorized(`Unknown request signing key "${keyId}".`);
    const at = Number(timestamp);
    if (!/^\d+$/.test(timestamp) || Math.abs(this.#clock.now() - at) > this.#maxSkew) {
      throw unauthorized(
        `X-Stem-Timestamp must be epoch milliseconds within ${this.#maxSkew} ms of the server's clock.`,
      );
    }
    let signature: Uint8Array<ArrayBuffer>;
    try {
      signature = base64ToBytes(request.headers.get(H.signature) ?? "");
    } catch {
      throw unauthorized("X-Stem-Signature is not base64.");
    }
    const text = await requestStringToSign(request.method, request.url, timestamp, body);
    if (!(await crypto.subtle.verify("HMAC", await key, signature, encoder.encode(text)))) {
      throw unauthorized("The request signature does not match.");
    }
  }
}
