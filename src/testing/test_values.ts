import type { TaskStatusInput } from "../backend/task_status.ts";
import type { Envelope } from "../core/envelope.ts";
import { uuidv7 } from "../core/ids.ts";

/** Builds a valid envelope for tests; override any field. */
export function testEnvelope(overrides: Partial<Envelope> = {}): Envelope {
  return {
    v: 1,
    id: uuidv7(),
    name: "contract.task",
    args: { n: 1 },
    headers: {},
    meta: {},
    queue: "default",
    priority: 0,
    attempt: 0,
    maxRetries: 0,
    notBefore: null,
    expires: null,
    enqueuedAt: Date.now(),
    ...overrides,
  };
}

/** Builds a status for tests; override any field. */
export function testStatus(overrides: Partial<TaskStatusInput> = {}): TaskStatusInput {
  return {
    id: uuidv7(),
    name: "contract.task",
    state: "queued",
    result: null,
    error: null,
    attempt: 0,
    meta: { queue: "default" },
    progress: null,
    ...overrides,
  };
}
