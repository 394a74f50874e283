import type { Duration } from "../core/duration.ts";
import type { Envelope, JsonValue } from "../core/envelope.ts";

/** One leased message handed to a consumer. Settle it with ack, nack, or deadLetter. */
export interface Delivery {
  /** The parsed task message (a stand-in when `invalid` is set). */
  envelope: Envelope;
  /** Adapter-specific handle for settling this delivery. */
  receipt: string;
  /** Queue the message came from. */
  queue: string;
  /** When the lease runs out and the message becomes visible again, epoch ms; null when unleased. */
  leaseExpiresAt: number | null;
  /**
   * How many times this message was handed out: 1 the first time, +1 on every redelivery (a nack
   * with requeue, a lease that passed). A retry (a replacement envelope) starts at 1 again.
   */
  deliveryCount: number;
  /** Set when the raw message failed to parse; the worker dead-letters it with this reason. */
  invalid?: { reason: string; error: string };
}

/** What a broker can do beyond the basics; contract tests and callers branch on these. */
export interface BrokerCapabilities {
  /** Serves higher `priority` first. */
  priority: boolean;
  /** Honours `notBefore` (delayed delivery). */
  delay: boolean;
  /** Supports broadcast channels. */
  broadcast: boolean;
  /** Consumers wake on new messages without polling. */
  blocking: boolean;
}

/** Options for {@link Broker.consume}. */
export interface ConsumeOptions {
  /** Queues to read; at least one. */
  queues: string[];
  /** Maximum unsettled deliveries this consumer holds at once. @default 1 */
  prefetch?: number;
  /** Name of the consumer, for adapters that track consumers. */
  consumerName?: string;
  /** Stops the iterator; leased deliveries stay leased until settled or expired. */
  signal?: AbortSignal;
}

/** Options for {@link Broker.nack}. */
export interface NackOptions {
  /** Put the message back on its queue (true) or drop it (false). @default true */
  requeue?: boolean;
  /**
   * Replacement envelope to requeue instead of the original (a retry with `attempt + 1` and a
   * later `notBefore`). The swap is atomic where the adapter can make it so.
   */
  envelope?: Envelope;
}

/** Message counts of one queue. */
export interface QueueCounts {
  /** Visible and waiting. */
  pending: number;
  /** Leased to a consumer and not settled. */
  inflight: number;
  /** Waiting for their `notBefore`. */
  delayed: number;
  /** In the dead-letter queue. */
  dead: number;
}

/** Moves task messages between producers and workers with at-least-once, leased delivery. */
export interface Broker {
  /** What this broker supports. */
  readonly capabilities: BrokerCapabilities;
  /** Publishes one message to `envelope.queue`. */
  publish(envelope: Envelope): Promise<void>;
  /** Publishes many messages, in as few round trips as the adapter can. */
  publishMany(envelopes: Envelope[]): Promise<void>;
  /** Yields leased deliveries from the given queues until the signal aborts. */
  consume(options: ConsumeOptions): AsyncIterable<Delivery>;
  /** Settles a delivery as done; it will not be delivered again. */
  ack(delivery: Delivery): Promise<void>;
  /** Settles a delivery as not done: requeue it (optionally replaced) or drop it. */
  nack(delivery: Delivery, options?: NackOptions): Promise<void>;
  /** Moves the lease deadline to now + `by`; throws `LeaseLostError` when the lease is gone. */
  extendLease(delivery: Delivery, by: Duration): Promise<void>;
  /** Settles a delivery by moving it to its queue's dead-letter queue. */
  deadLetter(
    delivery: Delivery,
    reason: string,
    meta?: Record<string, JsonValue>,
  ): Promise<void>;
  /** Deletes every pending and delayed message of a queue; returns how many. */
  purge(queue: string): Promise<number>;
  /** Counts messages of a queue by state. */
  counts(queue: string): Promise<QueueCounts>;
  /**
   * Ends the idle waits of this broker's consumers in this process, so they claim now instead of
   * at the end of a poll back-off (`Worker.wake()`). Brokers whose consumers block on the server
   * need none.
   */
  wake?(): void;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** Default lease length when neither the task nor the broker sets one. */
export const DEFAULT_VISIBILITY_TIMEOUT_MS = 30_000;
