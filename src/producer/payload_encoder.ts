import type { JsonValue } from "../core/envelope.ts";
import { UnknownEncoderError } from "../core/errors.ts";
import { gzipPayloadEncoder } from "./encoders/gzip_encoder.ts";

/** Turns task args (before publish) and results (before storing) into JSON and back. */
export interface TaskPayloadEncoder {
  /** Stable id recorded on the envelope / status so any process can decode. */
  readonly id: string;
  /** Encodes a value into JSON. */
  encode(value: unknown): JsonValue | Promise<JsonValue>;
  /** Decodes what `encode` produced. */
  decode(value: JsonValue): unknown | Promise<unknown>;
}

/** The default encoder: values are already JSON, so nothing changes. */
export const jsonPayloadEncoder: TaskPayloadEncoder = {
  id: "json",
  encode: (value: unknown): JsonValue => value as JsonValue,
  decode: (value: JsonValue): unknown => value,
};

/**
 * Encoders by id. Unknown ids fail loudly: silently decoding with the wrong encoder corrupts data.
 *
 * @example
 * ```ts
 * import { TaskPayloadEncoderRegistry } from "./payload_encoder.ts";
 * const registry = new TaskPayloadEncoderRegistry();
 * registry.resolve("json").id; // "json"
 * ```
 */
export class TaskPayloadEncoderRegistry {
  readonly #encoders = new Map<string, TaskPayloadEncoder>([
    ["json", jsonPayloadEncoder],
    ["gzip", gzipPayloadEncoder],
  ]);

  /** Creates a registry holding JSON and gzip (both web-standard) plus `encoders`. */
  constructor(encoders: TaskPayloadEncoder[] = []) {
    for (const encoder of encoders) this.register(encoder);
  }

  /** Adds (or replaces) an encoder. */
  register(encoder: TaskPayloadEncoder): void {
    this.#encoders.set(encoder.id, encoder);
  }

  /** Finds an encoder; `undefined` or `"json"` is the JSON encoder. */
  resolve(id: string | undefined): TaskPayloadEncoder {
    if (id === undefined) return jsonPayloadEncoder;
    const encoder = this.#encoders.get(id);
    if (!encoder) throw new UnknownEncoderError(id);
    return encoder;
  }

  /** Every registered id. */
  ids(): string[] {
    return [...this.#encoders.keys()];
  }
}
