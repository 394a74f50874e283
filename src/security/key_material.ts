import { base64ToBytes } from "./base64.ts";
import type { KeyMaterial } from "./signing_config.ts";

/**
 * Turns a key map into bytes, checking each key's length. `what` names the map in errors,
 * e.g. `"HMAC key"`.
 */
export function keyBytes(
  keys: Record<string, KeyMaterial> | undefined,
  what: string,
  check: (length: number) => string | undefined,
): Map<string, Uint8Array<ArrayBuffer>> {
  const out = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const [id, material] of Object.entries(keys ?? {})) {
    if (id === "") throw new TypeError(`A ${what} has an empty key id.`);
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = typeof material === "string" ? base64ToBytes(material) : new Uint8Array(material);
    } catch {
      throw new TypeError(`${what} "${id}" is not valid base64.`);
    }
    const problem = check(bytes.length);
    if (problem) throw new RangeError(`${what} "${id}" ${problem}`);
    out.set(id, bytes);
  }
  return out;
}
