import { ErrorCode } from "../core/error_codes.ts";
import { StemError } from "../core/errors.ts";

/** A routing configuration is invalid; `field` is the path of the bad entry (`routes[2].queue`). */
export class RoutingConfigError extends StemError {
  /** Path of the offending field inside the configuration, e.g. `"queues.emails.priorityRange"`. */
  readonly field: string;

  /** Creates the error; the message starts with the field's path. */
  constructor(field: string, problem: string) {
    super(ErrorCode.invalidRouting, `Invalid routing config: ${field} ${problem}`);
    this.field = field;
  }
}
