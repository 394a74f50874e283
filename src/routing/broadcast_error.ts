import { ErrorCode } from "../core/error_codes.ts";
import { StemError } from "../core/errors.ts";

/** A task routed to a broadcast channel where a broadcast cannot go (inside a canvas). */
export class BroadcastError extends StemError {
  /** The channel the task was routed to. */
  readonly channel: string;

  /** Creates the error for `channel`, saying why and what to do instead. */
  constructor(channel: string, message: string) {
    super(ErrorCode.broadcastRefused, message);
    this.channel = channel;
  }
}
