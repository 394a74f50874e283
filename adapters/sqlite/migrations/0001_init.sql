-- Migration 0001: the initial Stem schema for SQLite (same model as Postgres).
-- Applied in one BEGIN IMMEDIATE transaction; the ledger table stem_migrations records it.
-- Never edit once released: add 0002_<name>.sql instead. Times are epoch milliseconds.

-- Task messages: claimable when visible_at <= now; a claim sets locked_until (the lease) and
-- moves visible_at to it, so an expired lease makes the row visible again.
CREATE TABLE stem_jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  queue TEXT NOT NULL,
  task_id TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,
  visible_at INTEGER NOT NULL,
  locked_until INTEGER,
  lease_ms INTEGER,
  token INTEGER NOT NULL DEFAULT 0,
  envelope TEXT NOT NULL
);
CREATE INDEX stem_jobs_claim ON stem_jobs (queue, priority DESC, visible_at, id);

CREATE TABLE stem_dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  queue TEXT NOT NULL,
  task_id TEXT NOT NULL,
  envelope TEXT NOT NULL,
  reason TEXT NOT NULL,
  meta TEXT NOT NULL,
  dead_at INTEGER NOT NULL
);
CREATE INDEX stem_dead_letters_queue ON stem_dead_letters (queue, dead_at, id);
CREATE INDEX stem_dead_letters_task ON stem_dead_letters (queue, task_id);

-- Task statuses; version grows on every write so other processes' watchers can poll changes.
CREATE TABLE stem_results (
  id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  queue TEXT,
  status TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX stem_results_updated ON stem_results (updated_at);
CREATE INDEX stem_results_expires ON stem_results (expires_at);

CREATE TABLE stem_groups (
  id TEXT PRIMARY KEY,
  expected INTEGER NOT NULL,
  meta TEXT NOT NULL,
  results TEXT NOT NULL DEFAULT '{}',
  chord_callback TEXT,
  chord_claimed_at INTEGER,
  expires_at INTEGER NOT NULL
);

CREATE TABLE stem_heartbeats (
  worker_id TEXT PRIMARY KEY,
  heartbeat TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
