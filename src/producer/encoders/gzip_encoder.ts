import type { JsonValue } from "../../core/envelope.ts";
import { base64ToBytes, bytesToBase64 } from "../../security/base64.ts";
import type { TaskPayloadEncoder } from "../payload_encoder.ts";
import { PayloadDecodeError } from "./payload_decode_error.ts";

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

async function pipe(
  bytes: Uint8Array<ArrayBuffer>,
  transform: CompressionStream | DecompressionStream,
): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Compresses payloads with gzip (`CompressionStream`): the JSON text is gzipped and stored as a
 * base64 string. Worth it for large, repetitive args or results; small payloads grow.
 *
 * @example
 * ```ts
 * import { gzipPayloadEncoder } from "./gzip_encoder.ts";
 * const packed = await gzipPayloadEncoder.encode({ rows: new Array(100).fill("same") });
 * await gzipPayloadEncoder.decode(packed); // { rows: [...] }
 * ```
 */
export const gzipPayloadEncoder: TaskPayloadEncoder = {
  id: "gzip",
  async encode(value: unknown): Promise<JsonValue> {
    const json = textEncoder.encode(JSON.stringify(value ?? null));
    return bytesToBase64(await pipe(json, new CompressionStream("gzip")));
  },
  async decode(value: JsonValue): Promise<unknown> {
    if (typeof value !== "string") {
      throw new PayloadDecodeError("gzip", "A gzip payload must be a base64 string.");
    }
    try {
      const bytes = await pipe(base64ToBytes(value), new DecompressionStream("gzip"));
      return JSON.parse(textDecoder.decode(bytes));
    } catch (error) {
      throw new PayloadDecodeError("gzip", `Could not decompress a gzip payload: ${error}`, {
        cause: error,
      });
    }
  },
};
