/**
 * The envelope and status `meta` keys Stem itself reads or writes, spelled once. User meta keys
 * must not start with `stem.`.
 */
export const MetaKey = {
  /** The task was acked before it ran (`acksLate: false`). */
  acksEarly: "stem.acksEarly",
  /** The raw broker entry of a malformed message, kept on its dead letter. */
  raw: "stem.raw",
  /** Set when `raw` holds only the first `MAX_RAW_ENTRY_LENGTH` characters of the entry. */
  rawTruncated: "stem.rawTruncated",
  /** Length in characters of a raw entry that was cut (`rawTruncated`). */
  rawLength: "stem.rawLength",
  /** Task id of a chord's callback. */
  chordCallbackTaskId: "stem.chord.callbackTaskId",
  /** Set once a chord's callback was claimed. */
  chordClaimed: "stem.chord.claimed",
  /** When a chord's callback was dispatched, epoch ms. */
  chordDispatchedAt: "stem.chord.dispatchedAt",
  /** How many times the broker has handed this message out (lease expiries count). */
  deliveries: "stem.deliveries",
  /** A follow-up (link) that could not be published, with its reason. */
  linkFailures: "stem.linkFailures",
  /** On a stand-in follow-up: why it could not be published; workers dead-letter it unrun. */
  linkFailure: "stem.linkFailure",
  /** A unique task's key (hash of task, queue, args, headers and meta, or `uniqueKey()`). */
  uniqueKey: "stem.unique.key",
  /** A unique task's mode: `until-complete`, `throttle` or `debounce`. */
  uniqueMode: "stem.unique.mode",
  /** How long a unique task's lock lives, ms (the debounce window in `debounce` mode). */
  uniqueTtl: "stem.unique.ttl",
  /** A debounced task's version: a copy older than the stored one is superseded. */
  uniqueVersion: "stem.unique.version",
  /** On a Beat dispatch: the schedule entry id. */
  beatEntry: "stem.beat.entry",
  /** On a Beat dispatch: the fire time, epoch ms. */
  beatFireAt: "stem.beat.fireAt",
  /** On a Beat dispatch: a fresh value per publish; workers run the first one they see. */
  beatNonce: "stem.beat.nonce",
  /** The broadcast channel a task was sent to (on the routed envelope and on each copy). */
  broadcast: "stem.broadcast",
  /** On a broadcast copy: the id the enqueue returned (shared by every copy). */
  broadcastId: "stem.broadcast.id",
} as const;

/** One of the {@link MetaKey} values. */
export type MetaKeyValue = typeof MetaKey[keyof typeof MetaKey];
