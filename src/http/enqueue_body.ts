import { enqueueRequestIssues } from "../core/envelope_validation.ts";
import type { ValidationIssue } from "../core/errors.ts";
import { findJsonProblem, formatPath } from "../core/json_check.ts";
import type { EnqueueRequest } from "../core/task_options.ts";
import { HttpProblem } from "./http_problem.ts";

const FIELDS = new Set(["args", "options", "enqueueOptions", "headers", "meta"]);

function invalid(issues: ValidationIssue[]): HttpProblem {
  const fields = issues.map((i) => formatPath(i.path));
  const detail = issues.map((i) => `"${formatPath(i.path)}" ${i.message}`).join("; ");
  return new HttpProblem(400, "invalid-request", `Invalid request body: ${detail}.`, {
    extensions: {
      field: fields[0],
      issues: issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    },
  });
}

function bodyIssues(body: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(body)) {
    if (!FIELDS.has(key)) {
      issues.push({
        path: [key],
        message: `is not a known field (known: ${[...FIELDS].join(", ")})`,
      });
    }
  }
  const args = body.args;
  if (args !== undefined && (typeof args !== "object" || args === null || Array.isArray(args))) {
    issues.push({ path: ["args"], message: "must be a JSON object" });
  }
  issues.push(...enqueueRequestIssues(body, { rejectUnknownFields: true }));
  for (const key of ["args", "meta"]) {
    const problem = findJsonProblem(body[key]);
    if (problem) issues.push({ path: [key, ...problem.path], message: problem.message });
  }
  return issues;
}

/**
 * Validates the JSON body of `POST /v1/tasks/:name` (`{ args, options, enqueueOptions, headers,
 * meta }`, all optional) into an enqueue request, with the same checks as `Stem.enqueue`; throws
 * a 400 `HttpProblem` (`invalid-request`) whose `field` and `issues` name every bad field.
 */
export function enqueueRequestFrom(body: Record<string, unknown>): EnqueueRequest {
  const issues = bodyIssues(body);
  if (issues.length > 0) throw invalid(issues);
  return body as EnqueueRequest;
}

/** Names of every task a request would enqueue: the task itself plus its links. */
export function requestedTaskNames(name: string, request: EnqueueRequest): string[] {
  const links = [
    ...(request.enqueueOptions?.link ?? []),
    ...(request.enqueueOptions?.linkError ?? []),
  ];
  return [name, ...links.map((link) => link.name)];
}
