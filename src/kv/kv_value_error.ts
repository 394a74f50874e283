import { ErrorCode } from "../core/error_codes.ts";
import { StemError } from "../core/errors.ts";

/** `AtomicKv.increment` found a value it cannot add to (not an integer string). */
export class KvValueError extends StemError {
  /** Creates the error for `key`. */
  constructor(key: string, options: { cause?: unknown } = {}) {
    super(
      ErrorCode.kvNotInteger,
      `Cannot increment key "${key}": its value is not an integer. Use a key of its own for counters.`,
      options,
    );
    this.name = "KvValueError";
  }
}
