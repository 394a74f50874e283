import {
  DEFAULT_RESULT_TTL_MS,
  type GroupDescriptor,
  type GroupStatus,
  type ResultBackend,
  type SetStatusOptions,
  type TaskStatusQuery,
  type Unwatch,
  type WorkerHeartbeat,
} from "../../../src/backend/result_backend.ts";
import {
  isTerminal,
  type TaskStatus,
  type TaskStatusInput,
} from "../../../src/backend/task_status.ts";
import type { HeartbeatStore } from "../../../src/backend/heartbeat_store.ts";
import { KvHeartbeatStore } from "../../../src/backend/kv_heartbeat_store.ts";
import type { StatusStoreCapabilities } from "../../../src/backend/status_store.ts";
import { type Clock, systemClock } from "../../../src/core/clock.ts";
import { type Duration, toMillis } from "../../../src/core/duration.ts";
import { type Logger, silentLogger } from "../../../src/observability/logger.ts";
import { scripts } from "../_scripts.ts";
import { Batcher, batchSizeFor } from "../batcher.ts";
import { connectTransport, type RedisConnectOptions } from "../connect.ts";
import { type BackendKeys, backendKeys } from "../keys.ts";
import type { RedisReply, RedisTransport } from "../transport.ts";
import type { Broker, Delivery } from "../../../src/broker/broker.ts";
import type { Envelope } from "../../../src/core/envelope.ts";
import { RedisStreamsBroker, type SettleStatus } from "../broker/redis_streams_broker.ts";
import { decodeGroup, decodeStatusValue, encodeStatusBody } from "./status_codec.ts";
import { RedisKv } from "./redis_kv.ts";
import { type WatchContext, watchStatus } from "./status_watch.ts";

/** Options for {@link RedisResultBackend}. */
export interface RedisBackendOptions extends RedisConnectOptions {
  /** Lifetime of statuses and groups. @default "1d" */
  defaultTtl?: Duration;
  /** How long a status stays listed by `listTaskStatuses` after its last update. @default defaultTtl */
  indexRetention?: Duration;
  /** Longest poll back-off of a watch over HTTP. @default "1s" */
  maxWatchPoll?: Duration;
  /** Time source of watch polls and index pruning. @default systemClock */
  clock?: Clock;
  /** Where watch errors go when no `onError` is given. @default silentLogger */
  logger?: Logger;
  /** Heartbeat store to delegate to. @default a KvHeartbeatStore over a RedisKv on this transport */
  heartbeats?: HeartbeatStore;
}

const LIST_PAGE = 200;

/** One batched status write: a class, not a literal, so V8 never pretenures it (see LeasedDelivery). */
class StatusWrite {
  readonly id: string;
  readonly body: string;
  readonly ttl: number;
  readonly terminal: boolean;
  readonly onlyIfAbsent: boolean;

  constructor(id: string, body: string, ttl: number, terminal: boolean, onlyIfAbsent: boolean) {
    this.id = id;
    this.body = body;
    this.ttl = ttl;
    this.terminal = terminal;
    this.onlyIfAbsent = onlyIfAbsent;
  }
}

/**
 * A {@link ResultBackend} on Redis: statuses as strings with a TTL, an update-time index,
 * groups as hashes; heartbeats go to a {@link KvHeartbeatStore}. Watches see writes from every
 * process (pub/sub over TCP, polling over HTTP).
 *
 * @example
 * ```ts ignore
 * import { RedisResultBackend } from "./redis_result_backend.ts";
 * const backend = await RedisResultBackend.connect("redis://localhost:6379/1");
 * await backend.close();
 * ```
 */
export class RedisResultBackend implements ResultBackend {
  /** Watches see every process's writes (pub/sub over TCP, a polled stream over HTTP). */
  readonly capabilities: StatusStoreCapabilities = { crossProcessWatch: true };
  readonly #transport: RedisTransport;
  readonly #clock: Clock;
  readonly #heartbeats: HeartbeatStore;
  readonly #ownsTransport: boolean;
  readonly #keys: BackendKeys;
  readonly #storeKeys: readonly [string, string];
  readonly #ttlMs: number;
  readonly #retentionMs: number;
  readonly #watch: WatchContext;
  readonly #unwatchers = new Set<Unwatch>();
  readonly #writer: Batcher<StatusWrite, [number, number]>;
  #writes = 0;
  #prunedAt = 0;

  /** Wraps an open transport; `close()` closes it when `ownsTransport` is true. */
  constructor(
    transport: RedisTransport,
    options: RedisBackendOptions & { ownsTransport?: boolean } = {},
  ) {
    this.#transport = transport;
    this.#ownsTransport = options.ownsTransport ?? false;
    this.#writer = new Batcher((items) => this.#setMany(items), batchSizeFor(transport.kind));
    this.#keys = backendKeys(options.namespace ?? "stem");
    this.#storeKeys = [this.#keys.index, this.#keys.watchers];
    this.#clock = options.clock ?? systemClock;
    this.#heartbeats = options.heartbeats ??
      new KvHeartbeatStore(new RedisKv(transport, { namespace: options.namespace }));
    const logger = options.logger ?? silentLogger;
    this.#ttlMs = toMillis(options.defaultTtl ?? DEFAULT_RESULT_TTL_MS);
    this.#retentionMs = toMillis(options.indexRetention ?? this.#ttlMs);
    this.#watch = {
      transport,
      keys: this.#keys,
      clock: this.#clock,
      logger,
      maxPollMs: toMillis(options.maxWatchPoll ?? 1_000),
      onError: options.onError
        ? (e) => options.onError!(e as Error)
        : (error) => logger.warn("A Redis status watch failed; retrying", { error }),
    };
  }

  /** Connects to `url` (`redis://...[/db]`, `rediss://...`, or `https://` Upstash REST). */
  static async connect(
    url: string,
    options: RedisBackendOptions = {},
  ): Promise<RedisResultBackend> {
    const transport = await connectTransport(url, options);
    return new RedisResultBackend(transport, { ...options, ownsTransport: true });
  }

  /** The transport in use (for command counts and diagnostics). */
  get transport(): RedisTransport {
    return this.#transport;
  }

  /**
   * Writes a status (keeping `createdAt`), indexes and publishes it. Writes made in the same
   * macrotask go out together as one script call.
   */
  async set(input: TaskStatusInput, options: SetStatusOptions = {}): Promise<TaskStatus> {
    const ttl = options.ttl === undefined ? this.#ttlMs : toMillis(options.ttl);
    const body = encodeStatusBody(input);
    const terminal = isTerminal(input.state);
    const [createdAt, updatedAt] = await this.#writer.add(
      new StatusWrite(input.id, body, ttl, terminal, false),
    );
    return { ...input, timestamps: { ...input.timestamps, createdAt, updatedAt } };
  }

  async #setMany(items: StatusWrite[]): Promise<[number, number][]> {
    const k = this.#keys;
    const keys = [k.index, k.watchers];
    const args = [String(this.#retentionMs), this.#pruneDue() ? "1" : ""];
    for (const item of items) {
      keys.push(k.task(item.id), k.events(item.id));
      args.push(
        item.id,
        item.body,
        String(Math.max(1, item.ttl)),
        k.channel(item.id),
        item.terminal ? "1" : "",
        item.onlyIfAbsent ? "1" : "",
      );
    }
    const reply = await this.#transport.script(scripts.setStatus, keys, args) as number[];
    return items.map((_, i) => [Number(reply[2 * i]), Number(reply[2 * i + 1])]);
  }

  /**
   * Writes a final status and acks `delivery` in one script call when `broker` is a Redis broker
   * on this transport (see {@link RedisStreamsBroker.ackWithStatus}); null otherwise.
   */
  setAndAck(
    input: TaskStatusInput,
    options: SetStatusOptions,
    broker: Broker,
    delivery: Delivery,
  ): Promise<TaskStatus> | null {
    if (!this.#shares(broker)) return null;
    return broker.ackWithStatus(delivery, this.#bundled(input, options, false)).then((
      [createdAt, updatedAt],
    ) => ({
      ...input,
      timestamps: { ...input.timestamps, createdAt, updatedAt },
    }));
  }

  /**
   * Creates the status (only if no record has its id) and publishes `envelope` in one script
   * call when `broker` is a Redis broker on this transport (see
   * {@link RedisStreamsBroker.publishWithStatus}); null otherwise. Resolves with whether the
   * status was created; the envelope is published either way.
   */
  createAndPublish(
    input: TaskStatusInput,
    options: SetStatusOptions,
    broker: Broker,
    envelope: Envelope,
  ): Promise<boolean> | null {
    if (!this.#shares(broker)) return null;
    let status: SettleStatus;
    try {
      status = this.#bundled(input, options, true);
    } catch (error) {
      return Promise.reject(error);
    }
    return broker.publishWithStatus(envelope, status).then(([createdAt]) => createdAt !== 0);
  }

  #shares(broker: Broker): broker is RedisStreamsBroker {
    return broker instanceof RedisStreamsBroker && broker.transport === this.#transport;
  }

  /** The status arguments a broker script writes along with its own step. */
  #bundled(input: TaskStatusInput, options: SetStatusOptions, onlyIfAbsent: boolean): SettleStatus {
    const ttl = options.ttl === undefined ? this.#ttlMs : toMillis(options.ttl);
    const k = this.#keys;
    const id = input.id;
    return {
      storeKeys: this.#storeKeys,
      keys: [k.task(id), k.events(id)],
      args: [
        id,
        encodeStatusBody(input),
        String(Math.max(1, ttl)),
        k.channel(id),
        isTerminal(input.state) ? "1" : "",
        onlyIfAbsent ? "1" : "",
      ],
      retentionMs: this.#retentionMs,
      pruneDue: this.#pruneCheck,
    };
  }

  readonly #pruneCheck = (): boolean => this.#pruneDue();

  /** Writes the status only if no live record has its id (one script call, atomic). */
  async create(input: TaskStatusInput, options: SetStatusOptions = {}): Promise<boolean> {
    const ttl = options.ttl === undefined ? this.#ttlMs : toMillis(options.ttl);
    const [createdAt] = await this.#writer.add(
      new StatusWrite(input.id, encodeStatusBody(input), ttl, isTerminal(input.state), true),
    );
    return createdAt !== 0;
  }

  /** Reads a status; null when missing or expired. */
  async get(id: string): Promise<TaskStatus | null> {
    return decodeStatusValue(await this.#transport.command(["GET", this.#keys.task(id)]));
  }

  /** Calls `listener` with every later write of `id`, from any process. */
  async watch(id: string, listener: (status: TaskStatus) => void): Promise<Unwatch> {
    const unwatch = await watchStatus(this.#watch, id, listener);
    const tracked: Unwatch = async () => {
      this.#unwatchers.delete(tracked);
      await unwatch();
    };
    this.#unwatchers.add(tracked);
    return tracked;
  }

  /** Resets a status's TTL from now. */
  async expire(id: string, ttl: Duration): Promise<void> {
    await this.#transport.command([
      "PEXPIRE",
      this.#keys.task(id),
      String(Math.max(1, toMillis(ttl))),
    ]);
  }

  /**
   * Lists statuses newest first, filtered by state and `meta.queue`. A task is ordered by its
   * first write until it reaches a terminal state, then by that write.
   */
  async listTaskStatuses(query: TaskStatusQuery = {}): Promise<TaskStatus[]> {
    const limit = query.limit ?? 50;
    let skip = Math.max(0, query.offset ?? 0);
    const out: TaskStatus[] = [];
    const stale: string[] = [];
    for (let start = 0; out.length < limit; start += LIST_PAGE) {
      const ids = await this.#transport.command(
        ["ZREVRANGE", this.#keys.index, String(start), String(start + LIST_PAGE - 1)],
      ) as string[];
      if (ids.length === 0) break;
      const values = await this.#transport.command([
        "MGET",
        ...ids.map(this.#keys.task),
      ]) as RedisReply[];
      for (let i = 0; i < ids.length && out.length < limit; i++) {
        const status = decodeStatusValue(values[i]);
        if (!status) {
          stale.push(ids[i]);
          continue;
        }
        if (query.state && status.state !== query.state) continue;
        if (query.queue && status.meta?.queue !== query.queue) continue;
        if (skip > 0) skip--;
        else out.push(status);
      }
    }
    if (stale.length) await this.#transport.command(["ZREM", this.#keys.index, ...stale]);
    return out;
  }

  /** Creates or resets a group (results and chord claim cleared). */
  async initGroup(group: GroupDescriptor): Promise<void> {
    const ttl = group.ttl === undefined ? this.#ttlMs : toMillis(group.ttl);
    await this.#transport.script(
      scripts.initGroup,
      [this.#keys.group(group.id), this.#keys.groupResults(group.id)],
      [String(group.expected), JSON.stringify(group.meta ?? {}), String(Math.max(1, ttl))],
    );
  }

  /** Records a member's status; returns the group or null when it is missing. */
  async addGroupResult(groupId: string, status: TaskStatus): Promise<GroupStatus | null> {
    const reply = await this.#transport.script(
      scripts.addGroupResult,
      [this.#keys.group(groupId), this.#keys.groupResults(groupId)],
      [status.id, JSON.stringify(status)],
    );
    return decodeGroup(groupId, reply);
  }

  /** Reads a group. */
  async getGroup(groupId: string): Promise<GroupStatus | null> {
    const reply = await this.#transport.script(
      scripts.getGroup,
      [this.#keys.group(groupId), this.#keys.groupResults(groupId)],
      [],
    );
    return decodeGroup(groupId, reply);
  }

  /** True for exactly one caller per group. */
  async claimChord(groupId: string, callbackTaskId: string): Promise<boolean> {
    const reply = await this.#transport.script(
      scripts.claimChord,
      [this.#keys.group(groupId)],
      [callbackTaskId],
    );
    return Number(reply) === 1;
  }

  /** Stores a heartbeat with a TTL (in the heartbeat store). */
  setWorkerHeartbeat(heartbeat: WorkerHeartbeat, options: { ttl?: Duration } = {}): Promise<void> {
    return this.#heartbeats.setWorkerHeartbeat(heartbeat, options);
  }

  /** Reads one live heartbeat. */
  getWorkerHeartbeat(workerId: string): Promise<WorkerHeartbeat | null> {
    return this.#heartbeats.getWorkerHeartbeat(workerId);
  }

  /** Lists live heartbeats. */
  listWorkerHeartbeats(): Promise<WorkerHeartbeat[]> {
    return this.#heartbeats.listWorkerHeartbeats();
  }

  /** Stops watches and closes the connection when this backend opened it. */
  async close(): Promise<void> {
    for (const unwatch of [...this.#unwatchers]) await unwatch().catch(() => {});
    if (this.#ownsTransport) await this.#transport.close();
  }

  /** The index is pruned on one write in 1,000 and at least every 10 s of writes. */
  #pruneDue(): boolean {
    const now = this.#clock.now();
    if (++this.#writes % 1_000 !== 1 && now - this.#prunedAt < 10_000) return false;
    this.#prunedAt = now;
    return true;
  }
}
