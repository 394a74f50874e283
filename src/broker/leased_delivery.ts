import type { Envelope } from "../core/envelope.ts";
import type { Delivery } from "./broker.ts";

/**
 * A delivery as the brokers build it: an instance of a class, not an object literal, on purpose.
 * V8 pretenures an object literal's allocation site (allocates it straight in the old
 * generation) once most of its objects outlived a scavenge, which a worker's first claims cause
 * when 200 deliveries are in flight in a 1 MB young generation. An old delivery then keeps its
 * young envelope, and the run built on it, alive through every scavenge until a full collection:
 * the Redis bench worker promoted ~105 MB per 40,000 tasks that way, ~35 MB with classes, and
 * spent ~25% more CPU per task. `new` of a class has no allocation site, so its objects start young
 * (bench/README.md, "Pretenured literals"). The same holds for the other per-task objects on the
 * hot path (status inputs, batch items, a run's references), which are classes for this reason.
 */
export class LeasedDelivery implements Delivery {
  /** The parsed task message (a stand-in when `invalid` is set). */
  envelope: Envelope;
  /** Adapter-specific handle for settling this delivery. */
  receipt: string;
  /** Queue the message came from. */
  queue: string;
  /** When the lease runs out, epoch ms; null when unleased. */
  leaseExpiresAt: number | null;
  /** How many times this message was handed out. */
  deliveryCount: number;
  /** Set when the raw message failed to parse (no own property otherwise, as in a literal). */
  declare invalid?: { reason: string; error: string };

  /** A delivery of `envelope` under `receipt`. */
  constructor(
    envelope: Envelope,
    receipt: string,
    queue: string,
    leaseExpiresAt: number | null,
    deliveryCount: number,
    invalid?: { reason: string; error: string },
  ) {
    this.envelope = envelope;
    this.receipt = receipt;
    this.queue = queue;
    this.leaseExpiresAt = leaseExpiresAt;
    this.deliveryCount = deliveryCount;
    if (invalid) this.invalid = invalid;
  }
}
