import type { HeartbeatStore } from "../backend/heartbeat_store.ts";
import type { StatusStore } from "../backend/status_store.ts";
import type { Clock } from "../core/clock.ts";
import { type Duration, toMillis } from "../core/duration.ts";
import type { JsonValue } from "../core/envelope.ts";
import { ErrorCode } from "../core/error_codes.ts";
import { StemError } from "../core/errors.ts";
import { uuidv7 } from "../core/ids.ts";
import { validateQueueName } from "../core/queue_name.ts";
import { workerOverview } from "../inspect/worker_overview.ts";
import type { EventBus } from "../workflow/event_bus.ts";
import {
  type ControlApi,
  type ControlOptions,
  type ControlReply,
  type ControlResult,
  type ControlShutdownOptions,
  type InspectReply,
  type PausedQueue,
  type PingReply,
  type QueuePauseOptions,
  type QueueStateReply,
  type RevokeReply,
  SHUTDOWN_MODES,
  type ShutdownReply,
  type StatsReply,
} from "./control_api.ts";
import {
  CONTROL_COMMAND_TOPIC,
  type ControlCommand,
  type ControlCommandType,
  type ControlReplyMessage,
  controlReplyTopic,
} from "./control_messages.ts";
import type { KvPausedQueues } from "./paused_queues.ts";
import type { RevokeEntry, RevokeStore } from "./revoke_store.ts";
import { type RevokeOptions, revokeTask } from "./revoke_task.ts";

/** What {@link ControlClient} works with (the app passes its stores). */
export interface ControlClientDeps {
  /** The store set's event bus; without it only pauses (persisted) work. */
  events?: EventBus;
  /** Who is expected to answer a command for every worker. */
  heartbeats: Pick<HeartbeatStore, "listWorkerHeartbeats">;
  /** Where pauses persist. */
  pauses: KvPausedQueues;
  /** Where revocations persist. */
  revokes: RevokeStore;
  /** Marks a waiting revoked task `cancelled` at once. */
  statuses?: StatusStore;
  /** Time source of the reply timeout. */
  clock: Clock;
  /** Reply timeout when a call names none. @default "2s" */
  defaultTimeout?: Duration;
}

const NO_BUS =
  "Remote control needs an event bus, and this store set has none: use a Redis, Postgres, SQLite or memory store set (a custom StoreSet must provide `events`).";

/** The {@link ControlApi} over the store set's event bus, AtomicKv and heartbeats. */
export class ControlClient implements ControlApi {
  readonly #deps: ControlClientDeps;

  /** Sends commands with `deps`. */
  constructor(deps: ControlClientDeps) {
    this.#deps = deps;
  }

  /** True when the store set has an event bus. */
  get available(): boolean {
    return this.#deps.events !== undefined;
  }

  /** Asks workers to answer. */
  ping(options: ControlOptions = {}): Promise<ControlResult<PingReply>> {
    return this.#send("ping", {}, options);
  }

  /** Running tasks (with lease age) and revocations, per worker. */
  inspect(options: ControlOptions = {}): Promise<ControlResult<InspectReply>> {
    return this.#send("inspect", {}, options);
  }

  /** Runtime counters per worker. */
  stats(options: ControlOptions = {}): Promise<ControlResult<StatsReply>> {
    return this.#send("stats", {}, options);
  }

  /** Persists the pauses, then tells running workers (when there is a bus). */
  async pause(
    queues: string | string[],
    options: QueuePauseOptions = {},
  ): Promise<ControlResult<QueueStateReply>> {
    const list = queueList(queues);
    await this.#deps.pauses.pause(list, options.reason ?? "paused", this.#deps.clock.now());
    return await this.#announce("pause", { queues: list }, options);
  }

  /** Removes the pauses, then tells running workers (when there is a bus). */
  async resume(
    queues: string | string[],
    options: ControlOptions = {},
  ): Promise<ControlResult<QueueStateReply>> {
    const list = queueList(queues);
    await this.#deps.pauses.resume(list);
    return await this.#announce("resume", { queues: list }, options);
  }

  /** The persisted pauses. */
  pausedQueues(): Promise<PausedQueue[]> {
    return this.#deps.pauses.list();
  }

  /** Asks workers to stop in `mode`. */
  shutdown(options: ControlShutdownOptions = {}): Promise<ControlResult<ShutdownReply>> {
    const mode = options.mode ?? "warm";
    if (!SHUTDOWN_MODES.includes(mode)) {
      throw new TypeError(`Unknown shutdown mode "${mode}": use warm, soft or hard.`);
    }
    const payload: Record<string, JsonValue> = { mode };
    if (options.grace !== undefined) payload.graceMs = toMillis(options.grace);
    return this.#send("shutdown", payload, options);
  }

  /** Persists the revocation, then tells running workers (when there is a bus). */
  async revoke(
    taskId: string,
    options: RevokeOptions & ControlOptions = {},
  ): Promise<ControlResult<RevokeReply> & { entry: RevokeEntry }> {
    const { revokes, statuses, clock } = this.#deps;
    const entry = await revokeTask({ revokes, statuses, clock }, taskId, options);
    const result = await this.#announce<RevokeReply>(
      "revoke",
      { entries: [entry as unknown as JsonValue] },
      options,
    );
    return { ...result, entry };
  }

  /** Sends when there is a bus; otherwise the persisted change is all (workers poll it). */
  #announce<T>(
    type: ControlCommandType,
    payload: Record<string, JsonValue>,
    options: ControlOptions,
  ): Promise<ControlResult<T>> {
    if (!this.#deps.events) return Promise.resolve({ requestId: "", replies: [], missing: [] });
    return this.#send(type, payload, options);
  }

  async #send<T>(
    type: ControlCommandType,
    payload: Record<string, JsonValue>,
    options: ControlOptions,
  ): Promise<ControlResult<T>> {
    const bus = this.#deps.events;
    if (!bus) throw new StemError(ErrorCode.controlUnavailable, NO_BUS);
    const clock = this.#deps.clock;
    const timeoutMs = toMillis(options.timeout ?? this.#deps.defaultTimeout ?? "2s");
    const named = [...new Set(options.targets ?? [])];
    const expected = named.length > 0 ? named : await this.#onlineWorkers();
    const requestId = uuidv7();
    const replies: ControlReply<T>[] = [];
    const seen = new Set<string>();
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const off = await bus.subscribe(controlReplyTopic(requestId), (message) => {
      const reply = message.payload as Partial<ControlReplyMessage>;
      if (typeof reply?.workerId !== "string" || seen.has(reply.workerId)) return;
      seen.add(reply.workerId);
      replies.push({
        workerId: reply.workerId,
        ok: reply.ok === true,
        payload: (reply.payload ?? null) as T | null,
        error: reply.error ?? null,
      });
      if (expected.length > 0 && expected.every((id) => seen.has(id))) finish();
    });
    const timer = clock.setTimeout(finish, timeoutMs);
    try {
      const command: ControlCommand = {
        requestId,
        type,
        targets: named.length > 0 ? named : null,
        payload,
      };
      await bus.publish(CONTROL_COMMAND_TOPIC, command);
      await done;
    } finally {
      clock.clearTimeout(timer);
      await off();
    }
    return { requestId, replies, missing: expected.filter((id) => !seen.has(id)) };
  }

  async #onlineWorkers(): Promise<string[]> {
    try {
      const views = await workerOverview(this.#deps.heartbeats, this.#deps.clock.now());
      return views.filter((v) => v.online && v.extras.stopping !== true).map((v) => v.workerId);
    } catch {
      return [];
    }
  }
}

function queueList(queues: string | string[]): string[] {
  const list = [...new Set(typeof queues === "string" ? [queues] : queues)];
  if (list.length === 0) throw new TypeError("Name at least one queue to pause or resume.");
  return list.map(validateQueueName);
}
