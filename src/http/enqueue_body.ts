import type { JsonValue } from "../core/envelope.ts";
import type { EnqueueRequest, TaskEnqueueOptions } from "../core/task_options.ts";
import { HttpProblem } from "./http_problem.ts";

const FIELDS = new Set(["args", "options", "enqueueOptions", "headers", "meta"]);

function invalid(detail: string): HttpProblem {
  return new HttpProblem(400, "invalid-request", detail);
}

function object(body: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(`"${key}" must be a JSON object.`);
  }
  return value as Record<string, unknown>;
}

function enqueueOptions(raw: Record<string, unknown> | undefined): TaskEnqueueOptions | undefined {
  if (!raw) return undefined;
  const options = { ...raw } as TaskEnqueueOptions & Record<string, unknown>;
  for (const key of ["eta", "expires"] as const) {
    const value = options[key];
    if (typeof value === "string" && /^\d{4}-\d\d-\d\dT/.test(value)) {
      const date = new Date(value);
      if (Number.isNaN(date.getTime())) {
        throw invalid(`"enqueueOptions.${key}" is not a valid date.`);
      }
      options[key] = date;
    }
  }
  return options;
}

/**
 * Validates the JSON body of `POST /v1/tasks/:name` (`{ args, options, enqueueOptions, headers,
 * meta }`, all optional) into an enqueue request; throws a 400 `HttpProblem` naming the field.
 */
export function enqueueRequestFrom(body: Record<string, unknown>): EnqueueRequest {
  for (const key of Object.keys(body)) {
    if (!FIELDS.has(key)) {
      throw invalid(`Unknown field "${key}"; the body takes ${[...FIELDS].join(", ")}.`);
    }
  }
  const headers = object(body, "headers");
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (typeof value !== "string") throw invalid(`Header "${name}" must be a string.`);
  }
  return {
    args: object(body, "args") as Record<string, JsonValue> | undefined,
    options: object(body, "options"),
    enqueueOptions: enqueueOptions(object(body, "enqueueOptions")),
    headers: headers as Record<string, string> | undefined,
    meta: object(body, "meta") as Record<string, JsonValue> | undefined,
  };
}

/** Names of every task a request would enqueue: the task itself plus its links. */
export function requestedTaskNames(name: string, request: EnqueueRequest): string[] {
  const links = [
    ...(request.enqueueOptions?.link ?? []),
    ...(request.enqueueOptions?.linkError ?? []),
  ];
  return [name, ...links.map((link) => link?.name)];
}
