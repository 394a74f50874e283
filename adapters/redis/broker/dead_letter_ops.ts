/**
 * Dead-letter reads and maintenance: list, get, replay, purge.
 *
 * @module
 */
import type {
  DeadLetterEntry,
  DeadLetterPage,
  ReplayOptions,
  ReplayResult,
} from "../../../src/broker/dead_letter_store.ts";
import { replayedEnvelope } from "../../../src/core/dead_letters.ts";
import { deadLetterPage, deadLetterWindow } from "../../../src/broker/dead_letter_paging.ts";
import { toMillisOrUndefined } from "../../../src/core/duration.ts";
import { scripts } from "../_scripts.ts";
import type { QueueKeys } from "../keys.ts";
import type { RedisReply, RedisTransport } from "../transport.ts";
import { messageArgs, toDeadLetter } from "./codec.ts";

function publicEntry(entry: DeadLetterEntry & { sid?: string }): DeadLetterEntry {
  const { sid: _sid, ...rest } = entry;
  return rest;
}

/** Lists dead letters newest first. */
export async function listDeadLetters(
  transport: RedisTransport,
  k: QueueKeys,
  options: { limit?: number; offset?: number },
): Promise<DeadLetterPage> {
  const window = deadLetterWindow(options);
  if (window.limit === 0) return { entries: [], nextOffset: null };
  const reply = await transport.command([
    "XREVRANGE",
    k.dead,
    "+",
    "-",
    "COUNT",
    String(window.offset + window.limit + 1),
  ]) as RedisReply[];
  const page = deadLetterPage(reply, window);
  return {
    entries: page.entries.map((e) => publicEntry(toDeadLetter(k.queue, e))),
    nextOffset: page.nextOffset,
  };
}

/** Finds the newest dead letter of an envelope id. */
export async function getDeadLetter(
  transport: RedisTransport,
  k: QueueKeys,
  id: string,
): Promise<DeadLetterEntry | null> {
  const reply = await transport.script(scripts.getDead, [k.dead, k.deadIndex], [id]);
  return reply ? publicEntry(toDeadLetter(k.queue, reply)) : null;
}

/** Replays dead letters oldest first. */
export async function replayDeadLetters(
  transport: RedisTransport,
  k: QueueKeys,
  options: ReplayOptions,
  now: number,
): Promise<ReplayResult> {
  const limit = Math.trunc(options.limit ?? 50);
  if (limit <= 0) return { entries: [], dryRun: options.dryRun === true };
  const start = options.since === undefined ? "-" : String(Math.max(0, Math.ceil(options.since)));
  const reply = await transport.command([
    "XRANGE",
    k.dead,
    start,
    "+",
    "COUNT",
    String(limit),
  ]) as RedisReply[];
  const chosen = reply.map((e) => toDeadLetter(k.queue, e));
  if (options.dryRun) return { entries: chosen.map(publicEntry), dryRun: true };
  if (chosen.length === 0) return { entries: [], dryRun: false };
  const delayMs = toMillisOrUndefined(options.delay);
  const args: string[] = [];
  for (const entry of chosen) {
    const m = messageArgs(replayedEnvelope(entry.envelope, now, delayMs));
    args.push(
      entry.sid,
      entry.envelope.id,
      String(m.band),
      m.lease,
      m.notBefore,
      m.token,
      m.payload,
    );
  }
  const done = new Set(
    await transport.script(
      scripts.replay,
      [k.dead, k.deadIndex, k.delayed, ...k.bands],
      args,
    ) as string[],
  );
  return { entries: chosen.filter((e) => done.has(e.sid)).map(publicEntry), dryRun: false };
}

/** Deletes dead letters newest first. */
export async function purgeDeadLetters(
  transport: RedisTransport,
  k: QueueKeys,
  options: { since?: number; limit?: number },
): Promise<number> {
  const since = options.since === undefined ? "" : String(Math.max(0, Math.ceil(options.since)));
  const limit = options.limit === undefined ? "" : String(Math.max(0, Math.trunc(options.limit)));
  return Number(await transport.script(scripts.purgeDead, [k.dead, k.deadIndex], [since, limit]));
}
