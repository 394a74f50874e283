import { base64ToBytes } from "../security/base64.ts";
import { ConfigError } from "./config_error.ts";

/**
 * Parses `id:base64,id2:base64` into key bytes by id. Errors name `variable` and the key id,
 * never the key itself.
 */
export function parseKeyList(
  variable: string,
  text: string,
  check?: (length: number) => string | undefined,
): Record<string, Uint8Array> {
  const keys: Record<string, Uint8Array> = {};
  for (const entry of text.split(",").map((e) => e.trim()).filter(Boolean)) {
    const colon = entry.indexOf(":");
    const id = colon > 0 ? entry.slice(0, colon).trim() : "";
    if (id === "") {
      throw new ConfigError(
        variable,
        `must be a list of "id:base64" entries; one entry has no id.`,
      );
    }
    if (id in keys) throw new ConfigError(variable, `lists key id "${id}" twice.`);
    let bytes: Uint8Array;
    try {
      bytes = base64ToBytes(entry.slice(colon + 1));
    } catch {
      throw new ConfigError(variable, `has key "${id}" that is not valid base64.`);
    }
    const problem = check?.(bytes.length);
    if (problem) throw new ConfigError(variable, `has key "${id}" that ${problem}`);
    keys[id] = bytes;
  }
  return keys;
}
