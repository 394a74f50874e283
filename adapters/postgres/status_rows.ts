import type { GroupStatus } from "../../src/backend/result_backend.ts";
import type { TaskStatus, TaskStatusInput } from "../../src/backend/task_status.ts";
import type { JsonValue } from "../../src/core/envelope.ts";

/** A stored status: the JSON document plus the timestamp columns the database owns. */
export interface StatusRow {
  status: string;
  created_at: number;
  updated_at: number | null;
}

/** The JSON stored for a status write at `now` (createdAt comes from the row). */
export function statusDocument(input: TaskStatusInput, now: number): string {
  const { createdAt: _c, ...timestamps } = input.timestamps ?? {};
  return JSON.stringify({ ...input, timestamps: { ...timestamps, updatedAt: now } });
}

/** Rebuilds a TaskStatus from a row. */
export function toStatus(row: StatusRow): TaskStatus {
  const doc = JSON.parse(row.status) as TaskStatus;
  doc.timestamps = {
    ...doc.timestamps,
    createdAt: Number(row.created_at),
    updatedAt: row.updated_at === null ? doc.timestamps.updatedAt : Number(row.updated_at),
  };
  return doc;
}

/** A stored group (results as parsed jsonb or as JSON text). */
export interface GroupRow {
  expected: number;
  meta: string;
  results: string | Record<string, TaskStatus>;
  chord_callback: string | null;
  chord_claimed_at: number | null;
}

/** Rebuilds a GroupStatus; a chord claim shows up as `stem.chord.*` meta keys. */
export function groupStatus(id: string, row: GroupRow): GroupStatus {
  const meta = JSON.parse(row.meta) as Record<string, JsonValue>;
  if (row.chord_callback !== null) {
    meta["stem.chord.claimed"] = true;
    meta["stem.chord.callbackTaskId"] = row.chord_callback;
    meta["stem.chord.dispatchedAt"] = Number(row.chord_claimed_at);
  }
  const results = typeof row.results === "string"
    ? JSON.parse(row.results) as Record<string, TaskStatus>
    : row.results;
  return { id, expected: Number(row.expected), results, meta };
}
