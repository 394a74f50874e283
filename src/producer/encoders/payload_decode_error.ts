import { StemError, type StemErrorOptions } from "../../core/errors.ts";

/** An encoded payload could not be decoded: wrong or missing key, tampering, or corrupt data. */
export class PayloadDecodeError extends StemError {
  /** The encoder that failed. */
  readonly encoderId: string;

  /** Creates the error for encoder `encoderId`. */
  constructor(encoderId: string, message: string, options: StemErrorOptions = {}) {
    super("payload-decode-failed", message, options);
    this.encoderId = encoderId;
  }
}
