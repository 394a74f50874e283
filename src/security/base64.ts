/** Base64 helpers on web-standard `btoa`/`atob`, strict about malformed input. */

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Encodes bytes as standard (padded) base64.
 *
 * @example
 * ```ts
 * import { bytesToBase64 } from "./base64.ts";
 * bytesToBase64(new Uint8Array([1, 2, 3])); // "AQID"
 * ```
 */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Decodes standard or URL-safe base64 (padding optional). Throws `SyntaxError` on anything else,
 * so a truncated or mistyped key is caught instead of silently shortened.
 *
 * @example
 * ```ts
 * import { base64ToBytes } from "./base64.ts";
 * base64ToBytes("AQID"); // Uint8Array [1, 2, 3]
 * ```
 */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  let normalized = text.trim().replaceAll("-", "+").replaceAll("_", "/");
  if (normalized.length % 4 === 2) normalized += "==";
  else if (normalized.length % 4 === 3) normalized += "=";
  if (normalized.length % 4 !== 0 || !BASE64.test(normalized)) {
    throw new SyntaxError("Not valid base64.");
  }
  const binary = atob(normalized);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
