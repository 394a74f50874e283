import { StemError, UnknownTaskError, ValidationError } from "../core/errors.ts";
import { HttpProblem } from "./http_problem.ts";

/** An RFC 9457 problem document. */
export interface ProblemDocument {
  /** URI naming the problem type: `urn:stem:problem:<code>`. */
  type: string;
  /** Short summary of the problem type. */
  title: string;
  /** HTTP status. */
  status: number;
  /** What happened in this case. */
  detail: string;
  /** The request path. */
  instance?: string;
  /** Stable Stem error code. */
  code: string;
  /** Extension members. */
  [extension: string]: unknown;
}

/** HTTP status for each Stem error code: the one place errors become HTTP statuses. */
export const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  "invalid-request": 400,
  "invalid-json": 400,
  "invalid-queue": 400,
  "payload-encode-failed": 400,
  "unknown-encoder": 400,
  "malformed-envelope": 400,
  "unauthorized": 401,
  "forbidden": 403,
  "not-found": 404,
  "unknown-task": 404,
  "method-not-allowed": 405,
  "duplicate-task-id": 409,
  "lease-lost": 409,
  "task-expired": 410,
  "payload-too-large": 413,
  "unsupported-media-type": 415,
  "validation-failed": 422,
  "internal": 500,
  "operation-timeout": 503,
  "invalid-config": 500,
  "payload-decode-failed": 500,
  "no-backend": 501,
  "wait-timeout": 504,
};

const TITLES: Readonly<Record<number, string>> = {
  400: "Bad request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not found",
  405: "Method not allowed",
  409: "Conflict",
  410: "Gone",
  413: "Payload too large",
  415: "Unsupported media type",
  422: "Unprocessable content",
  500: "Internal server error",
  501: "Not implemented",
  503: "Service unavailable",
  504: "Gateway timeout",
};

function extensionsOf(error: StemError): Record<string, unknown> {
  if (error instanceof HttpProblem) return error.extensions;
  if (error instanceof ValidationError) {
    return { issues: error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) };
  }
  if (error instanceof UnknownTaskError) return { task: error.taskName };
  return {};
}

/**
 * Maps any thrown value to a problem document. Stem errors keep their message and code;
 * `RangeError` (an invalid option value) is a 400; anything else is a 500 whose detail hides
 * internals.
 */
export function problemFor(error: unknown, instance?: string): ProblemDocument {
  let status = 500;
  let code = "internal";
  let detail = "An unexpected error occurred; the server log has the details.";
  let extensions: Record<string, unknown> = {};
  if (error instanceof StemError) {
    code = error.code;
    status = error instanceof HttpProblem ? error.status : STATUS_BY_CODE[code] ?? 500;
    detail = error.message;
    extensions = extensionsOf(error);
  } else if (error instanceof RangeError) {
    status = 400;
    code = "invalid-request";
    detail = error.message;
  }
  const title = TITLES[status] ?? "Error";
  const problem = { type: `urn:stem:problem:${code}`, title, status, detail, code, ...extensions };
  return instance === undefined ? problem : { ...problem, instance };
}

/** Turns an error into an `application/problem+json` response. */
export function problemResponse(error: unknown, instance?: string): Response {
  const problem = problemFor(error, instance);
  const headers = new Headers({ "content-type": "application/problem+json" });
  if (error instanceof HttpProblem) {
    for (const [name, value] of Object.entries(error.headers)) headers.set(name, value);
  }
  return new Response(JSON.stringify(problem), { status: problem.status, headers });
}
