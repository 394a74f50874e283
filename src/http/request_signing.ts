import { systemClock } from "../core/clock.ts";
import { bytesToBase64 } from "../security/base64.ts";
import { keyBytes } from "../security/key_material.ts";
import type { KeyMaterial } from "../security/signing_config.ts";

/** Header names of an HMAC-signed API request. */
export const REQUEST_SIGNATURE_HEADERS = {
  /** Key id of the shared secret. */
  keyId: "x-stem-key-id",
  /** Epoch milliseconds when the request was signed. */
  timestamp: "x-stem-timestamp",
  /** Base64 HMAC-SHA256 of the string to sign. */
  signature: "x-stem-signature",
} as const;

const encoder = new TextEncoder();

/**
 * The text an API request signature covers: method, path with query, timestamp and the body's
 * SHA-256, one per line.
 */
export async function requestStringToSign(
  method: string,
  url: string,
  timestamp: string,
  body: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const { pathname, search } = new URL(url);
  const digest = bytesToBase64(new Uint8Array(await crypto.subtle.digest("SHA-256", body)));
  return `${method.toUpperCase()}\n${pathname}${search}\n${timestamp}\n${digest}`;
}

/** Options of {@link signRequest}. */
export interface SignRequestOptions {
  /** Key id the server knows the secret by. */
  keyId: string;
  /** The shared secret (bytes or base64, at least 16 bytes). */
  secret: KeyMaterial;
  /** Signing time, epoch ms. @default the system clock */
  now?: number;
}

/**
 * Returns a copy of `request` carrying `X-Stem-Key-Id`, `X-Stem-Timestamp` and `X-Stem-Signature`
 * for a `stemApi()` configured with `auth: { hmac: { keys } }`.
 *
 * @example
 * ```ts ignore
 * const request = new Request("https://jobs.example.com/v1/tasks/email.send", {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ args: { to: "a@example.com" } }),
 * });
 * await fetch(await signRequest(request, { keyId: "api1", secret: Deno.env.get("API_SECRET")! }));
 * ```
 */
export async function signRequest(request: Request, options: SignRequestOptions): Promise<Request> {
  const secret = keyBytes(
    { [options.keyId]: options.secret },
    "Request signing key",
    (n) => n >= 16 ? undefined : `is ${n} bytes; use at least 16.`,
  ).get(options.keyId)!;
  const body = new Uint8Array(await request.clone().arrayBuffer());
  const timestamp = String(options.now ?? systemClock.now());
  const text = await requestStringToSign(request.method, request.url, timestamp, body);
  const key = await crypto.subtle.importKey(
    "raw",
    secret,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(text)));
  const headers = new Headers(request.headers);
  headers.set(REQUEST_SIGNATURE_HEADERS.keyId, options.keyId);
  headers.set(REQUEST_SIGNATURE_HEADERS.timestamp, timestamp);
  headers.set(REQUEST_SIGNATURE_HEADERS.signature, bytesToBase64(signature));
  return new Request(request, { headers, body: body.length ? body : null });
}
