/**
 * Stored forms of task statuses and groups.
 *
 * @module
 */
import { MetaKey } from "../../../src/core/meta_keys.ts";
import type { GroupStatus } from "../../../src/backend/result_backend.ts";
import type { TaskStatus, TaskStatusInput } from "../../../src/backend/task_status.ts";
import type { JsonValue } from "../../../src/core/envelope.ts";
import type { RedisReply } from "../transport.ts";

/** JSON of a status without the backend-owned `createdAt`/`updatedAt`. */
export function encodeStatusBody(input: TaskStatusInput): string {
  const times = input.timestamps;
  // A producer's and a worker's writes carry neither: the input is the body as it is (no copies
  // per write; a missing `timestamps` reads back as the backend's two).
  if (!times || (times.createdAt === undefined && times.updatedAt === undefined)) {
    return JSON.stringify(input);
  }
  const { createdAt: _c, updatedAt: _u, ...writerTimes } = times ?? {};
  return JSON.stringify({ ...input, timestamps: writerTimes });
}

/** Builds the full status from its body and the backend's timestamps. */
export function withTimestamps(
  body: Omit<TaskStatus, "timestamps"> & { timestamps?: object },
  createdAt: number,
  updatedAt: number,
): TaskStatus {
  return { ...body, timestamps: { ...body.timestamps, createdAt, updatedAt } } as TaskStatus;
}

/** Parses a stored `createdAt|updatedAt|json` value; null for anything else. */
export function decodeStatusValue(value: RedisReply): TaskStatus | null {
  if (typeof value !== "string") return null;
  const first = value.indexOf("|");
  const second = value.indexOf("|", first + 1);
  if (first < 0 || second < 0) return null;
  try {
    const body = JSON.parse(value.slice(second + 1));
    return withTimestamps(
      body,
      Number(value.slice(0, first)),
      Number(value.slice(first + 1, second)),
    );
  } catch {
    return null;
  }
}

function pairs(fields: RedisReply): Map<string, string> {
  const map = new Map<string, string>();
  if (!Array.isArray(fields)) return map;
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(String(fields[i]), String(fields[i + 1]));
  return map;
}

/** Reads a group from the `{ group hash, results hash }` pair the scripts return. */
export function decodeGroup(id: string, reply: RedisReply): GroupStatus | null {
  if (!Array.isArray(reply) || reply.length < 2) return null;
  const group = pairs(reply[0]);
  if (!group.has("expected")) return null;
  const meta = JSON.parse(group.get("meta") ?? "{}") as Record<string, JsonValue>;
  if (group.get("chord.claimed") === "1") {
    meta[MetaKey.chordClaimed] = true;
    meta[MetaKey.chordCallbackTaskId] = group.get("chord.callback") ?? "";
    meta[MetaKey.chordDispatchedAt] = Number(group.get("chord.at"));
  }
  const results: Record<string, TaskStatus> = {};
  for (const [taskId, json] of pairs(reply[1])) results[taskId] = JSON.parse(json);
  return { id, expected: Number(group.get("expected")), results, meta };
}
