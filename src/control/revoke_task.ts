import type { StatusStore } from "../backend/status_store.ts";
import type { Clock } from "../core/clock.ts";
import { type Duration, toMillis } from "../core/duration.ts";
import type { RevokeEntry, RevokeStore } from "./revoke_store.ts";

/** Options of a revocation. */
export interface RevokeOptions {
  /** Also abort the task if it is running now (its `ctx.signal` fires). @default false */
  terminate?: boolean;
  /** Why; recorded on the task's `cancelled` status. @default "revoked" */
  reason?: string;
  /** How long the revocation holds (a task enqueued again after that runs). @default a day */
  expires?: Duration;
}

/** What {@link revokeTask} needs. */
export interface RevokeDeps {
  /** Where revocations persist. */
  revokes: RevokeStore;
  /** When given, a task still waiting to run is marked `cancelled` at once. */
  statuses?: StatusStore;
  /** Time source: revocation times and versions. */
  clock: Clock;
}

/**
 * Revokes a task: persists the revocation (so a worker that starts later honours it), and marks a
 * task that has not started yet `cancelled` right away, so `waitForTask` answers without waiting
 * for a worker to reach the message. A worker that receives a revoked task acks it without
 * running it; with `terminate`, a worker running it aborts the task's `ctx.signal`.
 */
export async function revokeTask(
  deps: RevokeDeps,
  taskId: string,
  options: RevokeOptions = {},
): Promise<RevokeEntry> {
  if (typeof taskId !== "string" || taskId === "") {
    throw new TypeError("revoke needs a task id (the string enqueue returned).");
  }
  const now = deps.clock.now();
  const entry: RevokeEntry = {
    taskId,
    // Wall-clock versions: the latest revocation of a task wins across producers.
    version: now,
    terminate: options.terminate ?? false,
    reason: options.reason ?? "revoked",
    revokedAt: now,
    expiresAt: options.expires === undefined ? null : now + toMillis(options.expires),
  };
  await deps.revokes.upsertAll([entry]);
  const status = deps.statuses ? await deps.statuses.get(taskId) : null;
  if (deps.statuses && status && (status.state === "queued" || status.state === "retried")) {
    await deps.statuses.set({
      ...status,
      state: "cancelled",
      error: {
        type: "TaskRevoked",
        message: `Revoked before it ran: ${entry.reason}.`,
        retryable: false,
      },
      meta: { ...status.meta, cancelled: entry.reason, revoked: true },
      timestamps: { ...status.timestamps, finishedAt: now },
    });
  }
  return entry;
}
