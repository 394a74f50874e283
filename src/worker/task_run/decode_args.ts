import { DeadLetterReason } from "../../core/dead_letters.ts";
import type { Envelope } from "../../core/envelope.ts";
import { UnknownEncoderError } from "../../core/errors.ts";
import { validateWithSchema } from "../../core/standard_schema.ts";
import type { AnyTaskHandler } from "../../core/task_handler.ts";
import { toTaskError } from "../error_info.ts";
import type { Admission } from "./admission.ts";
import type { RunnerDeps } from "./deps.ts";
import type { OutcomeBase } from "../../core/task_outcome.ts";
import type { RunOptions } from "./run_options.ts";

/** Decodes and validates args; bad args fail the task unrun, an unknown encoder rejects it. */
export async function decodeArgs(
  handler: AnyTaskHandler,
  envelope: Envelope,
  deps: RunnerDeps,
  base: OutcomeBase,
  options: RunOptions,
): Promise<Admission> {
  try {
    const raw = deps.encoders.resolve(envelope.encoder).decode(envelope.args);
    const decoded = raw instanceof Promise ? await raw : raw;
    const schema = handler.metadata?.argsSchema;
    const args = schema
      ? await validateWithSchema(schema, decoded, `arguments for task "${envelope.name}"`)
      : decoded;
    return { admitted: { handler, args, options } };
  } catch (error) {
    const info = toTaskError(error, false);
    if (error instanceof UnknownEncoderError) {
      return { outcome: { ...base, kind: "rejected", reason: error.code, error: info } };
    }
    return {
      outcome: {
        ...base,
        kind: "failed",
        reason: DeadLetterReason.invalidArgs,
        error: info,
        ran: false,
      },
    };
  }
}
