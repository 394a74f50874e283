-- Migration 0005: Beat's schedule entries (ScheduleStore). Runs like 0001 (namespace schema, one
-- transaction, advisory lock). Never edit once released.
-- input is the entry as written (JSON text); the history and the claim are columns, so a claim
-- or a recorded run is one UPDATE and the due index finds what is due without a scan.
CREATE TABLE stem_schedules (
  id text PRIMARY KEY,
  input text NOT NULL,
  enabled integer NOT NULL,
  version bigint NOT NULL,
  next_run_at bigint,
  last_run_at bigint,
  total_run_count bigint NOT NULL DEFAULT 0,
  last_error text,
  last_error_at bigint,
  last_drift_ms bigint,
  claim_owner text,
  claim_until bigint,
  updated_at bigint NOT NULL
);
CREATE INDEX stem_schedules_due ON stem_schedules (next_run_at)
  WHERE enabled = 1 AND next_run_at IS NOT NULL;
