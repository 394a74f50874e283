-- Migration 0001: the initial Stem schema.
-- Runs inside the namespace schema (search_path), in one transaction, under the migration
-- advisory lock. Never edit this file once released: add 0002_<name>.sql instead.
-- Times are epoch milliseconds (bigint); JSON documents are stored as text so a malformed
-- message can be kept and surfaced instead of rejected.

-- Task messages. A row is claimable when visible_at <= now. A claim sets locked_until (the
-- lease) and moves visible_at to the same deadline, so an expired lease makes the row visible
-- again with no sweeper. token is bumped on every claim; settling must present the token.
CREATE TABLE stem_jobs (
  id bigserial PRIMARY KEY,
  queue text NOT NULL,
  task_id text NOT NULL,
  priority smallint NOT NULL DEFAULT 0,
  visible_at bigint NOT NULL,
  locked_until bigint,
  lease_ms integer,
  token integer NOT NULL DEFAULT 0,
  envelope text NOT NULL
);
CREATE INDEX stem_jobs_claim ON stem_jobs (queue, priority DESC, visible_at, id);

-- Dead letters, newest first per queue.
CREATE TABLE stem_dead_letters (
  id bigserial PRIMARY KEY,
  queue text NOT NULL,
  task_id text NOT NULL,
  envelope text NOT NULL,
  reason text NOT NULL,
  meta text NOT NULL,
  dead_at bigint NOT NULL
);
CREATE INDEX stem_dead_letters_queue ON stem_dead_letters (queue, dead_at, id);
CREATE INDEX stem_dead_letters_task ON stem_dead_letters (queue, task_id);

-- Task statuses. status holds the TaskStatus JSON without createdAt/updatedAt (columns).
CREATE TABLE stem_results (
  id text PRIMARY KEY,
  state text NOT NULL,
  queue text,
  status text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX stem_results_updated ON stem_results (updated_at);
CREATE INDEX stem_results_expires ON stem_results (expires_at);

-- Groups and chords. results maps task id to its TaskStatus; one row per group keeps
-- addGroupResult atomic (the row lock serialises concurrent members).
CREATE TABLE stem_groups (
  id text PRIMARY KEY,
  expected integer NOT NULL,
  meta text NOT NULL,
  results jsonb NOT NULL DEFAULT '{}'::jsonb,
  chord_callback text,
  chord_claimed_at bigint,
  expires_at bigint NOT NULL
);
CREATE INDEX stem_groups_expires ON stem_groups (expires_at);

-- Worker heartbeats.
CREATE TABLE stem_heartbeats (
  worker_id text PRIMARY KEY,
  heartbeat text NOT NULL,
  expires_at bigint NOT NULL
);

-- Task ids someone watches: status writes NOTIFY only for these.
CREATE TABLE stem_watchers (
  task_id text NOT NULL,
  watcher text NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (task_id, watcher)
);
