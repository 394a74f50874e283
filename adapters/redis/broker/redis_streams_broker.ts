import { type Logger, silentLogger } from "../../../src/observability/logger.ts";
import {
  type Broker,
  type BrokerCapabilities,
  type ConsumeOptions,
  DEFAULT_VISIBILITY_TIMEOUT_MS,
  type Delivery,
  type NackOptions,
  type QueueCounts,
} from "../../../src/broker/broker.ts";
import type {
  DeadLetterEntry,
  DeadLetterPage,
  ReplayOptions,
  ReplayResult,
} from "../../../src/broker/dead_letter_store.ts";
import { PrefetchLedger } from "../../../src/broker/prefetch_ledger.ts";
import { type Clock, systemClock } from "../../../src/core/clock.ts";
import { type Duration, toMillis } from "../../../src/core/duration.ts";
import { encodeEnvelope, type Envelope, type JsonValue } from "../../../src/core/envelope.ts";
import { LeaseLostError } from "../../../src/core/errors.ts";
import { uuidv7 } from "../../../src/core/ids.ts";
import { scripts } from "../_scripts.ts";
import { Batcher } from "../../../src/broker/batcher.ts";
import { batchSizeFor } from "../batcher.ts";
import { connectTransport, type RedisConnectOptions, throttledWarn } from "../connect.ts";
import { groupName, type QueueKeys, queueKeys } from "../keys.ts";
import type { RedisReply, RedisTransport } from "../transport.ts";
import {
  bandToken,
  decodeReceipt,
  flatArgs,
  type MessageArgs,
  messageArgs,
  type Receipt,
} from "./codec.ts";
import { consumeLoop, type ConsumerContext } from "./consumer.ts";
import type { IdleWait } from "./idle_wait.ts";
import * as dead from "./dead_letter_ops.ts";

/** Options for {@link RedisStreamsBroker}. */
export interface RedisBrokerOptions extends RedisConnectOptions {
  /** Lease length when an envelope has no `visibilityTimeout`. @default "30s" */
  defaultVisibilityTimeout?: Duration;
  /** Longest an idle consumer waits before it looks for expired leases and due delayed messages again. @default "1s" over TCP, `maxIdleWait` over HTTP */
  claimInterval?: Duration;
  /** Longest single blocking read over TCP. @default "5s" */
  blockTime?: Duration;
  /**
   * Longest poll back-off of an idle consumer over HTTP: the worst-case pickup delay of a task
   * published by another process that does not call `wake()` (docs/edge_workers.md). Over HTTP
   * it also bounds `claimInterval`'s default. @default "30s"
   */
  maxIdleWait?: Duration;
  /** Consumer name in the consumer groups. @default "stem-<uuid>" per broker instance */
  consumerName?: string;
  /** Time source for lease deadlines and waits. @default systemClock */
  clock?: Clock;
  /** Where connection and loop errors go when `onError` is not given (throttled). @default silentLogger */
  logger?: Logger;
}

const PUBLISH_CHUNK = 500;

/**
 * A status a broker script writes in the same call as its broker step: the settle script before
 * it acks, the publish-with-status script before it adds the message (built by the result
 * backend on the same transport, see `RedisResultBackend.setAndAck` and `createAndPublish`).
 */
export interface SettleStatus {
  /** The status store's index and watcher keys (a batch holds the writes of one store). */
  storeKeys: readonly [string, string];
  /** The status key and its update stream. */
  keys: readonly [string, string];
  /** The six per-status arguments of `lib/status_write.lua`. */
  args: readonly string[];
  /** The store's index retention, ms. */
  retentionMs: number;
  /** Asked once per batch: whether this one prunes the index. */
  pruneDue: () => boolean;
}

interface SettleItem {
  receipt: Receipt;
  status: SettleStatus;
}

/** Appends each item's status keys and arguments, in the order the scripts read them. */
function pushStatuses(items: { status: SettleStatus }[], keys: string[], args: string[]): void {
  for (const { status } of items) {
    keys.push(status.keys[0], status.keys[1]);
    args.push(...status.args);
  }
}

/** One publish with its status: a class, not a literal, so V8 never pretenures it. */
class PublishItem {
  readonly message: MessageArgs;
  readonly status: SettleStatus;

  constructor(message: MessageArgs, status: SettleStatus) {
    this.message = message;
    this.status = status;
  }
}

/**
 * A {@link Broker} on Redis Streams: one stream and consumer group per queue and priority band,
 * a sorted set of delayed messages, one due stream per band for the ones that fell due (read
 * before the band's stream), a sorted set of lease deadlines, and a dead-letter stream, all under
 * the queue's hash tag. Works over TCP (`redis://`, `rediss://`) and over Upstash
 * REST (`https://`).
 *
 * @example
 * ```ts ignore
 * import { RedisStreamsBroker } from "./redis_streams_broker.ts";
 * const broker = await RedisStreamsBroker.connect("redis://localhost:6379");
 * await broker.close();
 * ```
 */
export class RedisStreamsBroker implements Broker {
  /** Priority and delay; no broadcast; blocking over TCP only. */
  readonly capabilities: BrokerCapabilities;
  readonly #transport: RedisTransport;
  readonly #ownsTransport: boolean;
  readonly #namespace: string;
  readonly #group: string;
  readonly #keys = new Map<string, QueueKeys>();
  readonly #ledger = new PrefetchLedger();
  readonly #clock: Clock;
  readonly #ackers = new Map<string, Batcher<Receipt, number>>();
  readonly #publishers = new Map<string, Batcher<MessageArgs, number>>();
  readonly #settlers = new Map<string, Batcher<SettleItem, [number, number]>>();
  readonly #statusPublishers = new Map<string, Batcher<PublishItem, [number, number]>>();
  readonly #ctx: ConsumerContext;
  readonly #waiters = new Set<IdleWait>();
  #closed = false;

  /** Wraps an open transport; `close()` closes it when `ownsTransport` is true. */
  constructor(
    transport: RedisTransport,
    options: RedisBrokerOptions & { ownsTransport?: boolean } = {},
  ) {
    this.#transport = transport;
    this.#ownsTransport = options.ownsTransport ?? false;
    this.#namespace = options.namespace ?? "stem";
    this.#group = groupName(this.#namespace);
    this.capabilities = {
      priority: true,
      delay: true,
      broadcast: false,
      blocking: transport.kind === "tcp",
    };
    const blockMs = toMillis(options.blockTime ?? 5_000);
    const maxPollMs = toMillis(options.maxIdleWait ?? 30_000);
    this.#clock = options.clock ?? systemClock;
    this.#ctx = {
      transport,
      group: this.#group,
      consumerName: options.consumerName ?? `stem-${uuidv7()}`,
      defaultLeaseMs: toMillis(options.defaultVisibilityTimeout ?? DEFAULT_VISIBILITY_TIMEOUT_MS),
      idleWaitMs: Math.min(
        transport.kind === "http" ? Infinity : blockMs,
        toMillis(options.claimInterval ?? (transport.kind === "http" ? maxPollMs : 1_000)),
      ),
      maxPollMs,
      waiters: this.#waiters,
      keys: (q) => this.#keysOf(q),
      closed: () => this.#closed,
      ledger: this.#ledger,
      clock: this.#clock,
      release: (d) => this.nack(d, { requeue: true }),
      onError: options.onError ?? throttledWarn(options.logger ?? silentLogger, this.#clock),
    };
  }

  /**
   * Connects to `url`: `redis://[:password@]host:port[/db]`, `rediss://...` (TLS) or
   * `https://host` (Upstash REST; pass `token`).
   */
  static async connect(url: string, options: RedisBrokerOptions = {}): Promise<RedisStreamsBroker> {
    const transport = await connectTransport(url, options);
    return new RedisStreamsBroker(transport, { ...options, ownsTransport: true });
  }

  /** The transport in use (for command counts and diagnostics). */
  get transport(): RedisTransport {
    return this.#transport;
  }

  /**
   * Publishes one message. Publishes to one queue made in the same macrotask go out as one
   * script call (one command over HTTP, however many messages).
   */
  async publish(envelope: Envelope): Promise<void> {
    await this.#publisher(envelope.queue).add(messageArgs(envelope));
    // Free over HTTP (no command): consumers of this process pick it up without their back-off.
    if (this.#transport.kind === "http") this.#wakeSleepers();
  }

  /** Ends the idle waits of this broker's consumers now (a blocking read, or a poll back-off). */
  wake(): void {
    this.#transport.wakeWaiters();
    this.#wakeSleepers();
  }

  #wakeSleepers(): void {
    for (const waiter of this.#waiters) waiter.wake();
  }

  #publisher(queue: string): Batcher<MessageArgs, number> {
    let batcher = this.#publishers.get(queue);
    if (!batcher) {
      const k = this.#keysOf(queue);
      batcher = new Batcher(async (list) => {
        await this.#transport.script(
          scripts.publish,
          [k.delayed, ...k.bands],
          list.flatMap(flatArgs),
        );
        return list.map(() => 1);
      }, { maxBatch: batchSizeFor(this.#transport.kind) });
      this.#publishers.set(queue, batcher);
    }
    return batcher;
  }

  /**
   * Writes `status` (only if no record exists), then publishes `envelope`, in one script call
   * shared by the publishes of one queue made in the same macrotask. Resolves with the status's
   * `createdAt` and `updatedAt`, both 0 when a record existed (the message is published anyway).
   */
  async publishWithStatus(envelope: Envelope, status: SettleStatus): Promise<[number, number]> {
    const times = await this.#statusPublisher(envelope.queue, status.storeKeys).add(
      new PublishItem(messageArgs(envelope), status),
    );
    if (this.#transport.kind === "http") this.#wakeSleepers();
    return times;
  }

  #statusPublisher(
    queue: string,
    storeKeys: readonly [string, string],
  ): Batcher<PublishItem, [number, number]> {
    const id = `${queue}\u0000${storeKeys[0]}`;
    let batcher = this.#statusPublishers.get(id);
    if (!batcher) {
      const k = this.#keysOf(queue);
      batcher = new Batcher(async (items) => {
        const first = items[0].status;
        const keys = [k.delayed, ...k.bands, storeKeys[0], storeKeys[1]];
        const args = [
          String(first.retentionMs),
          first.pruneDue() ? "1" : "",
          String(items.length),
        ];
        for (const { message: m } of items) {
          args.push(String(m.band), m.lease, m.notBefore, m.token, m.payload);
        }
        pushStatuses(items, keys, args);
        const reply = await this.#transport.script(scripts.publishStatus, keys, args) as number[];
        return items.map((_, i) => [Number(reply[2 * i]), Number(reply[2 * i + 1])]);
      }, { maxBatch: batchSizeFor(this.#transport.kind) });
      this.#statusPublishers.set(id, batcher);
    }
    return batcher;
  }

  /** Publishes many messages: one script call per queue and 500 messages. */
  async publishMany(envelopes: Envelope[]): Promise<void> {
    const byQueue = new Map<string, MessageArgs[]>();
    for (const envelope of envelopes) {
      this.#keysOf(envelope.queue);
      let list = byQueue.get(envelope.queue);
      if (!list) byQueue.set(envelope.queue, list = []);
      list.push(messageArgs(envelope));
    }
    const calls: Promise<RedisReply>[] = [];
    for (const [queue, list] of byQueue) {
      const k = this.#keysOf(queue);
      for (let i = 0; i < list.length; i += PUBLISH_CHUNK) {
        const args = list.slice(i, i + PUBLISH_CHUNK).flatMap(flatArgs);
        calls.push(this.#transport.script(scripts.publish, [k.delayed, ...k.bands], args));
      }
    }
    await Promise.all(calls);
  }

  /** Yields leased deliveries; see the Redis guide for claim and wait behaviour. */
  consume(options: ConsumeOptions): AsyncIterable<Delivery> {
    return consumeLoop(this.#ctx, options);
  }

  /**
   * Settles a delivery as done; a stale receipt is ignored. Acks of one queue made in the same
   * macrotask go out as one script call.
   */
  async ack(delivery: Delivery): Promise<void> {
    await this.#ledger.settle(delivery, async () => {
      await this.#acker(delivery.queue).add(decodeReceipt(delivery.receipt));
    });
  }

  #acker(queue: string): Batcher<Receipt, number> {
    let batcher = this.#ackers.get(queue);
    if (!batcher) {
      const k = this.#keysOf(queue);
      batcher = new Batcher(async (receipts) => {
        const args = [this.#group];
        for (const r of receipts) args.push(bandToken(r), r.id, r.count);
        return await this.#transport.script(
          scripts.ack,
          [k.leases, ...k.bands, ...k.due],
          args,
        ) as number[];
      }, { maxBatch: batchSizeFor(this.#transport.kind) });
      this.#ackers.set(queue, batcher);
    }
    return batcher;
  }

  /**
   * Writes the delivery's final status, then acks it, in one script call shared by the settles
   * of one queue made in the same macrotask (a stale receipt acks nothing). Resolves with the
   * status's `createdAt` and `updatedAt`.
   */
  ackWithStatus(delivery: Delivery, status: SettleStatus): Promise<[number, number]> {
    return this.#ledger.settle(
      delivery,
      () =>
        this.#settler(delivery.queue, status.storeKeys).add({
          receipt: decodeReceipt(delivery.receipt),
          status,
        }),
    );
  }

  #settler(
    queue: string,
    storeKeys: readonly [string, string],
  ): Batcher<SettleItem, [number, number]> {
    const id = `${queue}\u0000${storeKeys[0]}`;
    let batcher = this.#settlers.get(id);
    if (!batcher) {
      const k = this.#keysOf(queue);
      batcher = new Batcher(async (items) => {
        const first = items[0].status;
        const keys = [k.leases, ...k.bands, ...k.due, storeKeys[0], storeKeys[1]];
        const args = [
          this.#group,
          String(first.retentionMs),
          first.pruneDue() ? "1" : "",
          String(items.length),
        ];
        for (const { receipt: r } of items) args.push(bandToken(r), r.id, r.count);
        pushStatuses(items, keys, args);
        const reply = await this.#transport.script(scripts.settle, keys, args) as number[];
        return items.map((_, i) => [Number(reply[3 * i + 1]), Number(reply[3 * i + 2])]);
      }, { maxBatch: batchSizeFor(this.#transport.kind) });
      this.#settlers.set(id, batcher);
    }
    return batcher;
  }

  /** Requeues (the same entry, or atomically a replacement) or drops a delivery. */
  nack(delivery: Delivery, options: NackOptions = {}): Promise<void> {
    return this.#ledger.settle(delivery, () => this.#nack(delivery, options));
  }

  async #nack(delivery: Delivery, options: NackOptions): Promise<void> {
    const { r, k } = this.#receipt(delivery);
    const replacement = options.requeue === false ? undefined : options.envelope;
    let mode = options.requeue === false ? "drop" : "requeue";
    let m: MessageArgs | undefined;
    if (replacement && replacement.queue !== delivery.queue) {
      await this.publish(replacement);
      mode = "drop";
    } else if (replacement) {
      mode = "replace";
      m = messageArgs(replacement);
    }
    await this.#transport.script(
      scripts.nack,
      [streamOf(k, r), k.leases, k.delayed, k.bands[m?.band ?? r.band]],
      [
        this.#group,
        r.id,
        r.count,
        bandToken(r),
        mode,
        ...(m ? flatArgs(m) : ["", "", "", "", ""]),
      ],
    );
    // A delayed retry may be due before this process' consumers end their idle wait.
    if (m) this.wake();
  }

  /** Moves the lease deadline of the same message to now + `by`. */
  async extendLease(delivery: Delivery, by: Duration): Promise<void> {
    const { r, k } = this.#receipt(delivery);
    const ms = toMillis(by);
    const sentAt = this.#clock.now();
    const deadline = await this.#transport.script(scripts.extend, [streamOf(k, r), k.leases], [
      this.#group,
      r.id,
      r.count,
      bandToken(r),
      String(ms),
    ]);
    if (!Number(deadline)) throw new LeaseLostError(delivery.receipt);
    delivery.leaseExpiresAt = sentAt + ms;
    this.#ledger.extended(delivery);
  }

  /** Moves a delivery to its queue's dead-letter stream. */
  async deadLetter(
    delivery: Delivery,
    reason: string,
    meta: Record<string, JsonValue> = {},
  ): Promise<void> {
    await this.#ledger.settle(delivery, async () => {
      const { r, k } = this.#receipt(delivery);
      await this.#transport.script(
        scripts.deadLetter,
        [streamOf(k, r), k.leases, k.dead, k.deadIndex],
        [
          this.#group,
          r.id,
          r.count,
          bandToken(r),
          delivery.envelope.id,
          reason,
          JSON.stringify(meta),
          encodeEnvelope(delivery.envelope),
        ],
      );
    });
  }

  /** Lists dead letters newest first. */
  listDeadLetters(
    queue: string,
    options: { limit?: number; offset?: number } = {},
  ): Promise<DeadLetterPage> {
    return dead.listDeadLetters(this.#transport, this.#keysOf(queue), options);
  }

  /** Finds one dead letter by envelope id. */
  getDeadLetter(queue: string, id: string): Promise<DeadLetterEntry | null> {
    return dead.getDeadLetter(this.#transport, this.#keysOf(queue), id);
  }

  /** Re-publishes dead letters oldest first, attempt reset. */
  replayDeadLetters(queue: string, options: ReplayOptions = {}): Promise<ReplayResult> {
    return dead.replayDeadLetters(this.#transport, this.#keysOf(queue), options, this.#clock.now());
  }

  /** Deletes dead letters newest first. */
  purgeDeadLetters(
    queue: string,
    options: { since?: number; limit?: number } = {},
  ): Promise<number> {
    return dead.purgeDeadLetters(this.#transport, this.#keysOf(queue), options);
  }

  /** Deletes every pending and delayed message of a queue. */
  async purge(queue: string): Promise<number> {
    const k = this.#keysOf(queue);
    return Number(
      await this.#transport.script(
        scripts.purge,
        [k.delayed, k.leases, k.dueUnread, ...k.bands, ...k.due],
        [this.#group],
      ),
    );
  }

  /** Counts messages of a queue by state. */
  async counts(queue: string): Promise<QueueCounts> {
    const k = this.#keysOf(queue);
    const [pending, inflight, delayed, deadCount] = await this.#transport.script(
      scripts.counts,
      [k.delayed, k.dead, ...k.bands, ...k.due],
      [this.#group],
    ) as number[];
    return { pending, inflight, delayed, dead: deadCount };
  }

  /** Stops consumers and closes the connection when this broker opened it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ledger.wakeAll();
    if (this.#ownsTransport) await this.#transport.close();
  }

  #receipt(delivery: Delivery): { r: ReturnType<typeof decodeReceipt>; k: QueueKeys } {
    return { r: decodeReceipt(delivery.receipt), k: this.#keysOf(delivery.queue) };
  }

  #keysOf(queue: string): QueueKeys {
    let k = this.#keys.get(queue);
    if (!k) this.#keys.set(queue, k = queueKeys(this.#namespace, queue));
    return k;
  }
}

/** The stream a delivery was leased from: its band's, or the band's due stream. */
function streamOf(k: QueueKeys, r: Receipt): string {
  return r.due ? k.due[r.band] : k.bands[r.band];
}
