-- Migration 0004: durable workflow runs, their checkpoints and event watchers.
-- Applied like 0001 (one BEGIN IMMEDIATE transaction). Never edit once released.
-- Order comes from rowid (an upsert keeps it), the way Postgres uses its seq columns.

CREATE TABLE stem_workflow_runs (
  id TEXT PRIMARY KEY,
  workflow TEXT NOT NULL,
  status TEXT NOT NULL,
  step_cursor INTEGER NOT NULL DEFAULT 0,
  params TEXT NOT NULL,
  result TEXT,
  wait_topic TEXT,
  resume_at INTEGER,
  due_at INTEGER,
  last_error TEXT,
  suspension_data TEXT,
  owner_id TEXT,
  lease_expires_at INTEGER,
  cancellation_policy TEXT,
  cancellation_data TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX stem_workflow_runs_due ON stem_workflow_runs (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX stem_workflow_runs_list ON stem_workflow_runs (workflow, status);

CREATE TABLE stem_workflow_steps (
  run_id TEXT NOT NULL,
  name TEXT NOT NULL,
  base_name TEXT NOT NULL,
  value TEXT NOT NULL,
  saved_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, name)
);

CREATE TABLE stem_workflow_watchers (
  run_id TEXT PRIMARY KEY,
  step_name TEXT NOT NULL,
  topic TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  deadline INTEGER,
  data TEXT NOT NULL
);
CREATE INDEX stem_workflow_watchers_topic ON stem_workflow_watchers (topic, created_at);
