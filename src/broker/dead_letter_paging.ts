/** Page size of `listDeadLetters` when none is given. */
export const DEFAULT_DEAD_LETTER_PAGE = 50;

/** Largest page `listDeadLetters` returns, whatever the caller asks. */
export const MAX_DEAD_LETTER_PAGE = 1_000;

/** A clamped page request: integers, `offset ≥ 0`, `0 ≤ limit ≤ MAX_DEAD_LETTER_PAGE`. */
export interface DeadLetterWindow {
  /** Entries wanted (0 means an empty page). */
  limit: number;
  /** Entries skipped from the newest. */
  offset: number;
}

/**
 * The one paging rule of every dead-letter store: newest first; `limit` defaults to 50, is
 * truncated to an integer and clamped to [0, 1000]; `offset` is truncated and clamped to ≥ 0.
 * Adapters fetch `limit + 1` entries from `offset` to learn whether a next page exists.
 */
export function deadLetterWindow(
  options: { limit?: number; offset?: number } = {},
): DeadLetterWindow {
  const limit = finiteOr(options.limit, DEFAULT_DEAD_LETTER_PAGE);
  const offset = finiteOr(options.offset, 0);
  return {
    limit: Math.min(MAX_DEAD_LETTER_PAGE, Math.max(0, Math.trunc(limit))),
    offset: Math.min(Number.MAX_SAFE_INTEGER, Math.max(0, Math.trunc(offset))),
  };
}

/**
 * Cuts one page out of entries in newest-first order. `firstIndex` is the position of `rows[0]`
 * in the whole newest-first list: 0 when the adapter fetched from the start (memory, Redis
 * `XREVRANGE ... COUNT offset+limit+1`), `window.offset` when it fetched from the offset (SQL
 * `LIMIT limit+1 OFFSET offset`).
 */
export function deadLetterPage<T>(
  rows: readonly T[],
  window: DeadLetterWindow,
  firstIndex = 0,
): { entries: T[]; nextOffset: number | null } {
  if (window.limit === 0) return { entries: [], nextOffset: null };
  const start = window.offset - firstIndex;
  const entries = rows.slice(Math.max(0, start), start + window.limit);
  const more = rows.length > start + window.limit;
  return { entries, nextOffset: more ? window.offset + window.limit : null };
}

function finiteOr(value: number | undefined, fallback: number): number {
  return value === undefined || Number.isNaN(value) ? fallback : value;
}
