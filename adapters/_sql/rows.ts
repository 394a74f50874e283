import type { Delivery } from "../../src/broker/broker.ts";
import { LeasedDelivery } from "../../src/broker/leased_delivery.ts";
import type { DeadLetterEntry } from "../../src/broker/dead_letter_store.ts";
import {
  decodeEnvelope,
  type Envelope,
  type JsonValue,
  malformedEnvelope,
} from "../../src/core/envelope.ts";
import { DeadLetterReason } from "../../src/core/dead_letters.ts";

/** Lease deadlines at or past this mean "no expiry". */
export const NO_EXPIRY = 8_000_000_000_000_000;

/** A claimed jobs row (every dialect returns the same columns). */
export interface ClaimedRow {
  id: number;
  queue: string;
  task_id: string;
  token: number;
  locked_until: number;
  priority: number;
  deliveries: number;
  /** Set when the message was delayed: it fell due at this time. */
  due_at: number | null;
  envelope: string;
}

/** Builds the receipt of a claimed row: `<row id>:<claim token>`. */
export function receiptOf(id: number, token: number): string {
  return `${id}:${token}`;
}

/** Splits a receipt into row id and claim token; throws TypeError for a foreign receipt. */
export function parseReceipt(receipt: string): { id: number; token: number } {
  const at = receipt.indexOf(":");
  const id = Number(receipt.slice(0, at));
  const token = Number(receipt.slice(at + 1));
  if (at < 1 || !Number.isSafeInteger(id) || !Number.isSafeInteger(token)) {
    throw new TypeError(`"${receipt}" is not a receipt of this broker.`);
  }
  return { id, token };
}

/** Turns a claimed row into a Delivery; an unparsable envelope becomes an `invalid` delivery. */
export function toDelivery(row: ClaimedRow, now: number): Delivery {
  const receipt = receiptOf(Number(row.id), Number(row.token));
  const until = Number(row.locked_until);
  const leaseExpiresAt = until >= NO_EXPIRY ? null : until;
  const deliveryCount = Number(row.deliveries);
  const queue = row.queue;
  try {
    return new LeasedDelivery(
      decodeEnvelope(row.envelope),
      receipt,
      queue,
      leaseExpiresAt,
      deliveryCount,
    );
  } catch (error) {
    return new LeasedDelivery(
      malformedEnvelope(row.task_id, row.queue, row.envelope, now),
      receipt,
      queue,
      leaseExpiresAt,
      deliveryCount,
      { reason: DeadLetterReason.malformedEnvelope, error: (error as Error).message },
    );
  }
}

/** Column values of a message to insert. */
export interface JobValues {
  queue: string;
  taskId: string;
  priority: number;
  visibleAt: number;
  leaseMs: number | null;
  envelope: string;
  /** When a delayed message becomes claimable (it is then claimed ahead of the backlog). */
  dueAt: number | null;
}

/** The row values for publishing `envelope` at `now`. */
export function jobValues(envelope: Envelope, now: number): JobValues {
  const priority = Number.isFinite(envelope.priority)
    ? Math.min(9, Math.max(0, Math.trunc(envelope.priority)))
    : 0;
  return {
    queue: envelope.queue,
    taskId: envelope.id,
    priority,
    visibleAt: envelope.notBefore ?? now,
    dueAt: envelope.notBefore !== null && envelope.notBefore > now ? envelope.notBefore : null,
    leaseMs: envelope.visibilityTimeout ?? null,
    envelope: JSON.stringify(envelope),
  };
}

/** A dead-letter row. */
export interface DeadLetterRow {
  envelope: string;
  reason: string;
  meta: string;
  dead_at: number;
}

/** Turns a dead-letter row into an entry. */
export function toDeadLetter(row: DeadLetterRow): DeadLetterEntry {
  return {
    envelope: JSON.parse(row.envelope) as Envelope,
    reason: row.reason,
    meta: JSON.parse(row.meta) as Record<string, JsonValue>,
    deadAt: Number(row.dead_at),
  };
}
