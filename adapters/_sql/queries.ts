/**
 * The queries the shared SQL layer runs, by name. Every dialect (adapters/postgres/sql,
 * adapters/sqlite/sql) has one `.sql` file per name, taking the same parameters in the same
 * order; `tools/gen_sql.mjs` fails when a dialect lacks one. A dialect may have more (its wake
 * source's own queries).
 */
export const SHARED_QUERY_NAMES = [
  "cleanupGroups",
  "cleanupKv",
  "cleanupResults",
  "dlqGet",
  "dlqInsertHeld",
  "dlqList",
  "dlqPurge",
  "dlqRetention",
  "dlqSelect",
  "dlqTake",
  "groupsAdd",
  "groupsClaim",
  "groupsGet",
  "groupsInit",
  "jobsClaim",
  "jobsCounts",
  "jobsDelete",
  "jobsDeleteOne",
  "jobsExtend",
  "jobsInsert",
  "jobsNextDue",
  "jobsPurge",
  "jobsRequeue",
  "kvCompareAndDelete",
  "kvCompareAndSet",
  "kvDelete",
  "kvGet",
  "kvIncrement",
  "kvList",
  "kvSet",
  "kvSetIfAbsent",
  "resultsCreate",
  "resultsExpire",
  "resultsGet",
  "resultsList",
  "resultsSet",
] as const;

/** One of {@link SHARED_QUERY_NAMES}. */
export type SharedQueryName = typeof SHARED_QUERY_NAMES[number];

/** A dialect's query texts for every shared query. */
export type SharedQueries = Readonly<Record<SharedQueryName, string>>;
