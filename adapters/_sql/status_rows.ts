import type { GroupStatus } from "../../src/backend/result_backend.ts";
import type { TaskStatus, TaskStatusInput } from "../../src/backend/task_status.ts";
import type { JsonValue } from "../../src/core/envelope.ts";
import { ErrorCode } from "../../src/core/error_codes.ts";
import { StemError } from "../../src/core/errors.ts";
import { MetaKey } from "../../src/core/meta_keys.ts";

/** A stored status: the JSON document plus the timestamp columns the database owns. */
export interface StatusRow {
  status: string;
  created_at: number;
  updated_at: number | null;
}

/**
 * The JSON stored for a status write at `now` (createdAt comes from the row). A value JSON cannot
 * hold (a BigInt, a cycle) is a `payload-encode-failed` StemError, thrown before anything is
 * written so it never reaches a batch shared with other writes.
 */
export function statusDocument(input: TaskStatusInput, now: number): string {
  const { createdAt: _c, ...timestamps } = input.timestamps ?? {};
  try {
    return JSON.stringify({ ...input, timestamps: { ...timestamps, updatedAt: now } });
  } catch (error) {
    throw new StemError(
      ErrorCode.payloadEncodeFailed,
      `The status of task "${input.id}" cannot be stored as JSON (${(error as Error).message}); ` +
        "return JSON values (no BigInt, cycles or functions) or set a result encoder.",
      { cause: error },
    );
  }
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
    meta[MetaKey.chordClaimed] = true;
    meta[MetaKey.chordCallbackTaskId] = row.chord_callback;
    meta[MetaKey.chordDispatchedAt] = Number(row.chord_claimed_at);
  }
  const results = typeof row.results === "string"
    ? JSON.parse(row.results) as Record<string, TaskStatus>
    : row.results;
  return { id, expected: Number(row.expected), results, meta };
}
