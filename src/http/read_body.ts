import { HttpProblem } from "./http_problem.ts";

function tooLarge(limit: number): HttpProblem {
  return new HttpProblem(
    413,
    "payload-too-large",
    `The request body is larger than the ${limit}-byte limit.`,
    { extensions: { limit } },
  );
}

/**
 * Reads a request body, refusing (413) as soon as it passes `limit` bytes, whether or not a
 * `Content-Length` was sent.
 */
export async function readBody(
  request: Request,
  limit: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

/** Parses a JSON body that must be an object (an empty body is `{}`). */
export function parseJsonObject(
  body: Uint8Array,
  contentType: string | null,
): Record<string, unknown> {
  if (body.length === 0) return {};
  if (!/^application\/(.+\+)?json\b/i.test(contentType ?? "")) {
    throw new HttpProblem(415, "unsupported-media-type", "Send the body as application/json.");
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(body));
  } catch (error) {
    throw new HttpProblem(
      400,
      "invalid-json",
      `The body is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpProblem(400, "invalid-request", "The body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}
