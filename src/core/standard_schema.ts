import { ValidationError, type ValidationIssue } from "./errors.ts";

/** The Standard Schema v1 interface (zod, valibot, arktype...), types only, no dependency. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The standard properties. */
  readonly "~standard": {
    /** Spec version. */
    readonly version: 1;
    /** Library name. */
    readonly vendor: string;
    /** Validates a value. */
    readonly validate: (
      value: unknown,
    ) => StandardResult<Output> | Promise<StandardResult<Output>>;
    /** Inferred types (type-level only). */
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** Result of a Standard Schema validation. */
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | {
    readonly issues: ReadonlyArray<{
      readonly message: string;
      readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>;
    }>;
  };

/** Validates `value`, returning the (possibly transformed) output or throwing {@link ValidationError}. */
export async function validateWithSchema<T>(
  schema: StandardSchemaV1<unknown, T>,
  value: unknown,
  subject: string,
): Promise<T> {
  const result = await schema["~standard"].validate(value);
  if (result.issues) {
    const issues: ValidationIssue[] = result.issues.map((issue) => ({
      message: issue.message,
      path: (issue.path ?? []).map((p) => typeof p === "object" ? p.key : p),
    }));
    throw new ValidationError(subject, issues);
  }
  return result.value;
}
