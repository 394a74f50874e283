/**
 * How envelopes, receipts and dead letters are laid out in Redis, and how replies are read.
 *
 * @module
 */
import { LeasedDelivery } from "../../../src/broker/leased_delivery.ts";
import type { Delivery } from "../../../src/broker/broker.ts";
import type { DeadLetterEntry } from "../../../src/broker/dead_letter_store.ts";
import {
  decodeEnvelope,
  encodeEnvelope,
  type Envelope,
  type JsonValue,
  malformedEnvelope,
} from "../../../src/core/envelope.ts";
import { DeadLetterReason } from "../../../src/core/dead_letters.ts";
import { PRIORITY_BANDS } from "../keys.ts";
import type { RedisReply } from "../transport.ts";

/** The five script arguments describing one message to enqueue. */
export interface MessageArgs {
  /** Priority band 0–9. */
  band: number;
  /** Lease ms, or "" for the broker default. */
  lease: string;
  /** Due time ms, or "" for now. */
  notBefore: string;
  /** Random token keeping delayed-set members unique. */
  token: string;
  /** Encoded envelope. */
  payload: string;
}

/** Clamps a priority into a band. */
export function bandOf(priority: number): number {
  if (!Number.isFinite(priority)) return 0;
  return Math.min(PRIORITY_BANDS - 1, Math.max(0, Math.trunc(priority)));
}

/** Describes `envelope` for the enqueue scripts. */
export function messageArgs(envelope: Envelope): MessageArgs {
  const lease = envelope.visibilityTimeout;
  return {
    band: bandOf(envelope.priority),
    lease: typeof lease === "number" && Number.isFinite(lease) ? String(Math.round(lease)) : "",
    notBefore: envelope.notBefore === null ? "" : String(Math.round(envelope.notBefore)),
    // Only a delayed-set member needs it (to stay unique); a message due now goes to a stream.
    token: envelope.notBefore === null ? "" : Math.random().toString(36).slice(2, 10),
    payload: encodeEnvelope(envelope),
  };
}

/** Flattens a message into the script argument order. */
export function flatArgs(m: MessageArgs): string[] {
  return [String(m.band), m.lease, m.notBefore, m.token, m.payload];
}

/** The parts a receipt carries. */
export interface Receipt {
  /** Priority band of the message. */
  band: number;
  /** True when the entry came from the band's due stream (a delayed message that fell due). */
  due: boolean;
  /** Stream entry id. */
  id: string;
  /** Delivery count when handed out; a later redelivery makes the receipt stale. */
  count: string;
}

/** The band token the scripts name a delivery's stream by: `"5"`, or `"d5"` for its due stream. */
export function bandToken(r: Pick<Receipt, "band" | "due">): string {
  return `${r.due ? "d" : ""}${r.band}`;
}

/** Reads a band token (`"5"` or `"d5"`); throws RangeError for anything else. */
export function parseBandToken(token: string): Pick<Receipt, "band" | "due"> {
  const band = bandDigit(token);
  if (band < 0) throw new RangeError(`"${token}" is not a Redis broker band.`);
  return { band, due: token.length === 2 };
}

/** The band of a token (`"5"` or `"d5"`), or -1 when it is not one (no regex: once per job). */
function bandDigit(token: string): number {
  const due = token.length === 2;
  if (!due && token.length !== 1) return -1;
  if (due && token.charCodeAt(0) !== 100 /* d */) return -1;
  const digit = token.charCodeAt(due ? 1 : 0) - 48;
  return digit >= 0 && digit <= 9 ? digit : -1;
}

/** Encodes a receipt. */
export function encodeReceipt(r: Receipt): string {
  return `${bandToken(r)}|${r.id}|${r.count}`;
}

/** Decodes a receipt; throws RangeError for one this adapter did not make. */
export function decodeReceipt(receipt: string): Receipt {
  const [token, id, count] = receipt.split("|");
  const band = token === undefined ? -1 : bandDigit(token);
  if (!id || !count || band < 0) {
    throw new RangeError(`Receipt "${receipt}" was not issued by the Redis broker.`);
  }
  return { band, due: token.length === 2, id, count };
}

/** Value of `name` in a flat field list. */
export function fieldOf(fields: RedisReply, name: string): string | undefined {
  if (!Array.isArray(fields)) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === name) return String(fields[i + 1]);
  }
  return undefined;
}

/**
 * Builds a delivery from one claimed entry (`band` is its band token, `count` its delivery
 * count, which the receipt carries too); bad entries come back with `invalid` set.
 */
export function toDelivery(
  queue: string,
  entry: { band: string; id: string; count: number; leaseMs: number; fields: RedisReply },
  sentAt: number,
): Delivery {
  // The script's band token is the receipt's: checked, not parsed and formatted again.
  if (bandDigit(entry.band) < 0) {
    throw new RangeError(`"${entry.band}" is not a Redis broker band.`);
  }
  const receipt = `${entry.band}|${entry.id}|${entry.count}`;
  const leaseExpiresAt = entry.leaseMs > 0 ? sentAt + entry.leaseMs : null;
  const payload = fieldOf(entry.fields, "e");
  try {
    if (payload === undefined) throw new Error('Stream entry has no "e" field.');
    return new LeasedDelivery(decodeEnvelope(payload), receipt, queue, leaseExpiresAt, entry.count);
  } catch (error) {
    const raw = payload ?? JSON.stringify(entry.fields);
    return new LeasedDelivery(
      malformedEnvelope(`malformed-${entry.id}`, queue, raw, sentAt),
      receipt,
      queue,
      leaseExpiresAt,
      entry.count,
      { reason: DeadLetterReason.malformedEnvelope, error: (error as Error).message },
    );
  }
}

/** Reads a dead-letter stream entry `[id, fields]`. */
export function toDeadLetter(queue: string, entry: RedisReply): DeadLetterEntry & { sid: string } {
  const [sid, fields] = entry as [string, RedisReply];
  const payload = fieldOf(fields, "e") ?? "";
  let envelope: Envelope;
  try {
    envelope = decodeEnvelope(payload);
  } catch {
    envelope = malformedEnvelope(fieldOf(fields, "i") ?? sid, queue, payload, idTime(sid));
  }
  let meta: Record<string, JsonValue> = {};
  try {
    meta = JSON.parse(fieldOf(fields, "m") ?? "{}");
  } catch { /* keep empty */ }
  return { sid, envelope, reason: fieldOf(fields, "r") ?? "", meta, deadAt: idTime(sid) };
}

/** The millisecond part of a stream id. */
export function idTime(sid: string): number {
  return Number(sid.split("-")[0]);
}
