-- Migration 0004: durable workflow runs, their checkpoints and event watchers.
-- Runs like 0001 (namespace schema, one transaction, advisory lock). Never edit once released.
-- JSON columns are text (the shared SQL layer writes and reads JSON strings on both dialects).

-- One row per run. due_at is the due index: set while a sleep or an event deadline is pending,
-- moved forward by a due claim, cleared on resume.
CREATE TABLE stem_workflow_runs (
  seq bigserial UNIQUE,
  id text PRIMARY KEY,
  workflow text NOT NULL,
  status text NOT NULL,
  step_cursor integer NOT NULL DEFAULT 0,
  params text NOT NULL,
  result text,
  wait_topic text,
  resume_at bigint,
  due_at bigint,
  last_error text,
  suspension_data text,
  owner_id text,
  lease_expires_at bigint,
  cancellation_policy text,
  cancellation_data text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX stem_workflow_runs_due ON stem_workflow_runs (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX stem_workflow_runs_list ON stem_workflow_runs (workflow, status, seq);
CREATE INDEX stem_workflow_runs_status ON stem_workflow_runs (status, seq);

-- Checkpoints; base_name is the name without an auto-version suffix (repeat#2 -> repeat).
CREATE TABLE stem_workflow_steps (
  seq bigserial UNIQUE,
  run_id text NOT NULL,
  name text NOT NULL,
  base_name text NOT NULL,
  value text NOT NULL,
  saved_at bigint NOT NULL,
  PRIMARY KEY (run_id, name)
);
CREATE INDEX stem_workflow_steps_order ON stem_workflow_steps (run_id, seq);

-- At most one watcher per run (a run waits on one topic at a time).
CREATE TABLE stem_workflow_watchers (
  seq bigserial UNIQUE,
  run_id text PRIMARY KEY,
  step_name text NOT NULL,
  topic text NOT NULL,
  created_at bigint NOT NULL,
  deadline bigint,
  data text NOT NULL
);
CREATE INDEX stem_workflow_watchers_topic ON stem_workflow_watchers (topic, created_at, seq);
