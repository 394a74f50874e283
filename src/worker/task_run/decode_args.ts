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

/**
 * Decodes and validates args; bad args fail the task unrun, an unknown encoder rejects it. Plain
 * JSON args without a schema are decoded synchronously (no promise per task).
 */
export function decodeArgs(
  handler: AnyTaskHandler,
  envelope: Envelope,
  deps: RunnerDeps,
  base: OutcomeBase,
  options: RunOptions,
): Admission | Promise<Admission> {
  let raw: unknown;
  try {
    raw = deps.encoders.resolve(envelope.encoder).decode(envelope.args);
  } catch (error) {
    return decodeFailure(error, base);
  }
  const schema = handler.metadata?.argsSchema;
  if (!schema && !(raw instanceof Promise)) return { admitted: { handler, args: raw, options } };
  return decodeLater(raw, schema, handler, envelope, base, options);
}

async function decodeLater(
  raw: unknown,
  schema: NonNullable<AnyTaskHandler["metadata"]>["argsSchema"],
  handler: AnyTaskHandler,
  envelope: Envelope,
  base: OutcomeBase,
  options: RunOptions,
): Promise<Admission> {
  try {
    const decoded = raw instanceof Promise ? await raw : raw;
    const args = schema
      ? await validateWithSchema(schema, decoded, `arguments for task "${envelope.name}"`)
      : decoded;
    return { admitted: { handler, args, options } };
  } catch (error) {
    return decodeFailure(error, base);
  }
}

function decodeFailure(error: unknown, base: OutcomeBase): Admission {
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
