import { StemError } from "../core/errors.ts";

/** A `STEM_*` setting is missing or malformed; `variable` names it. */
export class ConfigError extends StemError {
  /** The environment variable at fault, e.g. `"STEM_SIGNING_ACTIVE_KEY"`. */
  readonly variable: string;

  /** Creates the error; the message starts with the variable's name. */
  constructor(variable: string, problem: string) {
    super("invalid-config", `${variable} ${problem}`);
    this.variable = variable;
  }
}
