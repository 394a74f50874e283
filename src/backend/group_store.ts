import type { Duration } from "../core/duration.ts";
import type { JsonValue } from "../core/envelope.ts";
import type { TaskStatus } from "./task_status.ts";

/** A set of tasks whose results are collected together (canvas groups and chords). */
export interface GroupDescriptor {
  /** Group id. */
  id: string;
  /** Number of members. */
  expected: number;
  /** Free-form metadata (chord callback, batch info). */
  meta?: Record<string, JsonValue>;
  /** How long the group lives. @default 1 day */
  ttl?: Duration;
}

/** Collected results of a group. */
export interface GroupStatus {
  /** Group id. */
  id: string;
  /** Number of members. */
  expected: number;
  /** Terminal statuses received so far, by task id. */
  results: Record<string, TaskStatus>;
  /** Group metadata. */
  meta: Record<string, JsonValue>;
}

/** Collects the results of canvas groups and admits exactly one chord claimant. */
export interface GroupStore {
  /** Creates (or resets) a group. */
  initGroup(group: GroupDescriptor): Promise<void>;
  /** Records a member's terminal status; returns the group, or null when it is missing. */
  addGroupResult(groupId: string, status: TaskStatus): Promise<GroupStatus | null>;
  /** Reads a group; null when missing or expired. */
  getGroup(groupId: string): Promise<GroupStatus | null>;
  /** True for exactly one caller per group: the one that dispatches the chord callback. */
  claimChord(groupId: string, callbackTaskId: string): Promise<boolean>;
}
