/**
 * Generates a UUID v7: time-ordered, so ids sort by creation time.
 *
 * @example
 * ```ts
 * import { uuidv7 } from "./ids.ts";
 * uuidv7().length; // 36
 * ```
 */
export function uuidv7(now: number = Date.now()): string {
  // One getRandomValues call per 256 ids: the call crosses into the runtime and dominated
  // id generation when it ran once per id.
  if (poolOffset + 16 > pool.length) {
    crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + 16);
  poolOffset += 16;
  let ts = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ts % 256;
    ts = Math.floor(ts / 256);
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  // Dashes inline: slicing a concatenated hex string costs five more strings per id.
  let id = "";
  for (let i = 0; i < 16; i++) {
    id += HEX[bytes[i]];
    if (i === 3 || i === 5 || i === 7 || i === 9) id += "-";
  }
  return id;
}

const pool = new Uint8Array(16 * 256);
let poolOffset = pool.length;
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
