-- Migration 0005: Beat's schedule entries (ScheduleStore). Applied like 0001 (one BEGIN
-- IMMEDIATE transaction). Never edit once released.
-- input is the entry as written (JSON text); the history and the claim are columns, so a claim
-- or a recorded run is one UPDATE and the due index finds what is due without a scan.
CREATE TABLE stem_schedules (
  id TEXT PRIMARY KEY,
  input TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  version INTEGER NOT NULL,
  next_run_at INTEGER,
  last_run_at INTEGER,
  total_run_count INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  last_error_at INTEGER,
  last_drift_ms INTEGER,
  claim_owner TEXT,
  claim_until INTEGER,
  updated_at INTEGER NOT NULL
);
CREATE INDEX stem_schedules_due ON stem_schedules (next_run_at)
  WHERE enabled = 1 AND next_run_at IS NOT NULL;
