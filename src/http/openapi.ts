/** What the OpenAPI document should advertise. */
export interface OpenApiOptions {
  /** Bearer tokens accepted. */
  bearer: boolean;
  /** HMAC-signed requests accepted. */
  hmac: boolean;
  /** Body size limit in bytes. */
  maxBodyBytes: number;
  /** Longest wait in ms. */
  maxWaitMs: number;
}

const problem = {
  "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } },
};
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [String(s), { description: "Problem", content: problem }]),
  );
const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };
const taskJson = { "application/json": { schema: { $ref: "#/components/schemas/Task" } } };

const schemas = {
  EnqueueBody: {
    type: "object",
    additionalProperties: false,
    properties: {
      args: { type: "object", description: "Task arguments." },
      options: {
        type: "object",
        description:
          "Task option overrides: queue, priority, maxRetries, retryPolicy, time limits.",
      },
      enqueueOptions: {
        type: "object",
        description:
          "Per-publish options: countdown, eta, expires, queue, priority, taskId, ignoreResult, compression.",
      },
      headers: { type: "object", additionalProperties: { type: "string" } },
      meta: { type: "object" },
    },
  },
  Enqueued: {
    type: "object",
    required: ["id", "name", "state"],
    properties: {
      id: { type: "string" },
      name: { type: "string" },
      state: { const: "queued" },
      links: { type: "object", properties: { self: { type: "string" }, wait: { type: "string" } } },
    },
  },
  Task: {
    type: "object",
    required: ["id", "name", "state", "attempt", "result", "error"],
    properties: {
      id: { type: "string" },
      name: { type: "string" },
      state: { enum: ["queued", "running", "succeeded", "failed", "retried", "cancelled"] },
      attempt: { type: "integer" },
      result: { description: "Decoded result once succeeded, else null." },
      error: { type: ["object", "null"] },
      progress: { type: ["object", "null"] },
      meta: { type: "object" },
      timestamps: { type: "object" },
      timedOut: { type: "boolean", description: "Only on /wait: the wait ended first." },
    },
  },
  Problem: {
    type: "object",
    description: "RFC 9457 problem details.",
    required: ["type", "title", "status", "detail", "code"],
    properties: {
      type: { type: "string", format: "uri" },
      title: { type: "string" },
      status: { type: "integer" },
      detail: { type: "string" },
      instance: { type: "string" },
      code: { type: "string" },
    },
  },
};

/** The OpenAPI 3.1 document served at `/v1/openapi.json`. */
export function openApiDocument(options: OpenApiOptions): Record<string, unknown> {
  const securitySchemes: Record<string, unknown> = {};
  if (options.bearer) securitySchemes.bearer = { type: "http", scheme: "bearer" };
  if (options.hmac) {
    securitySchemes.hmac = {
      type: "apiKey",
      in: "header",
      name: "X-Stem-Signature",
      description:
        "Base64 HMAC-SHA256 of METHOD\\nPATH?QUERY\\nTIMESTAMP\\nbase64(SHA-256(body)), with X-Stem-Key-Id and X-Stem-Timestamp (epoch ms).",
    };
  }
  const security = Object.keys(securitySchemes).map((name) => ({ [name]: [] }));
  return {
    openapi: "3.1.0",
    info: { title: "Stem task API", version: "1" },
    security,
    paths: {
      "/v1/tasks/{name}": {
        post: {
          summary: "Enqueue a task",
          parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
          requestBody: {
            description: `JSON, at most ${options.maxBodyBytes} bytes.`,
            content: {
              "application/json": { schema: { $ref: "#/components/schemas/EnqueueBody" } },
            },
          },
          responses: {
            "202": {
              description: "Queued",
              content: {
                "application/json": { schema: { $ref: "#/components/schemas/Enqueued" } },
              },
            },
            ...errors(400, 401, 404, 409, 413, 415, 422, 500),
          },
        },
      },
      "/v1/tasks/{id}": {
        get: {
          summary: "Read a task's status and result",
          parameters: [idParam],
          responses: {
            "200": { description: "Status", content: taskJson },
            ...errors(401, 404, 501),
          },
        },
      },
      "/v1/tasks/{id}/wait": {
        post: {
          summary: "Wait until the task finishes or the timeout passes",
          parameters: [idParam, {
            name: "timeout",
            in: "query",
            description: `Duration ("30s", "500ms" or ms); capped at ${options.maxWaitMs} ms.`,
            schema: { type: "string" },
          }],
          responses: {
            "200": { description: "Status", content: taskJson },
            ...errors(400, 401, 404, 501),
          },
        },
      },
    },
    components: { schemas, securitySchemes },
  };
}
